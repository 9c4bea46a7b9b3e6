import { buildCatalog } from '../tools/catalog-loader';
import { codeToolsOf } from '../tools/code-tools';
import type { ToolDefinition } from '../tools/tool-definition';

export type PublishedTool = Omit<ToolDefinition, 'handler'>;

/**
 * The tools a provider instance publishes, exactly as the gateway's catalog reads them at start-up
 * (scopes of method ∪ class, schemas compiled). Throws the catalog's start-up error (CatalogError, every
 * problem listed) when the gateway would refuse to start: no scopes, a schema that does not compile, ...
 */
export function publishedTools(instance: object): PublishedTool[] {
  return buildCatalog({ codeTools: codeToolsOf(instance) }).map(({ handler: _handler, ...tool }) => tool);
}
