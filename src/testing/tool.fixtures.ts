import { buildCatalog } from '../tools/catalog-loader';
import { codeToolsOf } from '../tools/code-tools';
import { IN_PROCESS_TOOLS } from '../tools/in-process-tools';
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

/**
 * `scopes` plus the scopes of the registered in-process tools (src/tools/in-process-tools.ts), sorted as the
 * gateway lists them: every gateway serves those tools, so a team adding one must not break the suites.
 */
export function withInProcessScopes(scopes: string[]): string[] {
  const registered = IN_PROCESS_TOOLS.flatMap((type) =>
    publishedTools(Object.create(type.prototype) as object).flatMap((tool) => tool.scopes),
  );
  return [...new Set([...scopes, ...registered])].sort();
}
