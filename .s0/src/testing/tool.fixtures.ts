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

/** The tools of the registered in-process providers (src/tools/in-process-tools.ts): every gateway serves them. */
export function inProcessTools(): PublishedTool[] {
  return IN_PROCESS_TOOLS.flatMap((type) => publishedTools(Object.create(type.prototype) as object));
}

/**
 * `scopes` plus the scopes of the registered in-process tools, sorted as the gateway lists them: a team
 * adding a tool must not break the suites that list every scope.
 */
export function withInProcessScopes(scopes: string[]): string[] {
  const registered = inProcessTools().flatMap((tool) => tool.scopes);
  return [...new Set([...scopes, ...registered])].sort();
}

/** `names` plus the names of the registered in-process tools, sorted as the gateway lists them. */
export function withInProcessToolNames(names: string[]): string[] {
  return [...new Set([...names, ...inProcessTools().map((tool) => tool.name)])].sort();
}
