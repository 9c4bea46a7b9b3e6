import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

import { isJsonObject } from '../common/decode';
import { SCOPE_TOKEN } from '../common/scope-syntax';
import { parseScopeImplications, ScopeImplications } from '../config/auth.config';
import {
  JsonSchema,
  TOOL_ANNOTATION_KEYS,
  ToolAnnotations,
  ToolDefinition,
  ToolMetadata,
} from './tool-definition';

export const TOOL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const PERMISSIVE_SCHEMA: JsonSchema = { type: 'object' };
/** Every field a TOOLS_FILE tool may have: anything else is a typo that would otherwise be dropped silently. */
const FILE_TOOL_FIELDS = [
  'name',
  'title',
  'description',
  'scopes',
  'inputSchema',
  'outputSchema',
  'annotations',
  '_meta',
  'public',
  'upstream',
  'timeoutMs',
  'rateLimit',
  'forwardBearer',
];
/** What a TOOLS_FILE object may hold next to its tools. */
const FILE_SETTINGS = ['tools', 'scopeImplications'];
/** `_meta` keys the gateway writes itself, so that what clients read matches what it enforces. */
const RESERVED_META_KEYS = ['securitySchemes'];

export class CatalogError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid tool catalog (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`,
    );
    this.name = 'CatalogError';
  }
}

export interface CatalogSources {
  toolsFile?: string;
  toolScopesJson?: string;
  functionsBase?: string;
  codeTools: ToolDefinition[];
  /** Origins to which a tool with `forwardBearer: true` may send the user's token (OAUTH_TOKEN_FORWARD_ORIGINS). */
  tokenForwardOrigins?: readonly string[];
}

export interface Catalog {
  tools: ToolDefinition[];
  /** The TOOLS_FILE's `scopeImplications` section. */
  scopeImplications: ScopeImplications;
}

/**
 * Builds the catalog from TOOLS_FILE, TOOL_SCOPES_JSON and in-code tools and reports every problem at
 * once. A tool without scopes is an error: the gateway denies by default. Schemas are compiled with
 * `ajv`; given the caller's instance, its cache serves the same schemas later without compiling again.
 */
export function buildCatalog(
  sources: CatalogSources,
  ajv: Ajv = addFormats(new Ajv({ strict: false })),
): ToolDefinition[] {
  return loadCatalog(sources, ajv).tools;
}

/** buildCatalog, plus the catalog-wide settings of TOOLS_FILE. */
export function loadCatalog(
  sources: CatalogSources,
  ajv: Ajv = addFormats(new Ajv({ strict: false })),
): Catalog {
  const problems: string[] = [];
  const file = sources.toolsFile
    ? readToolsFile(sources.toolsFile, sources.functionsBase, problems)
    : undefined;
  const tools = new Map<string, ToolDefinition>();
  const add = (tool: ToolDefinition): void => {
    const existing = tools.get(tool.name);
    if (existing)
      problems.push(`tool "${tool.name}" is defined twice (${existing.source} and ${tool.source})`);
    else tools.set(tool.name, tool);
  };

  file?.tools.forEach(add);
  sources.codeTools.forEach(add);
  if (sources.toolScopesJson) {
    for (const [name, scopes] of parseToolScopesJson(sources.toolScopesJson, problems)) {
      const existing = tools.get(name);
      // The earlier gateway's override: TOOL_SCOPES_JSON sets the scopes of a listed tool, or adds a forwarded tool.
      if (existing) existing.scopes = scopes;
      else
        tools.set(name, {
          name,
          description: `Forwarded to ${sources.functionsBase ?? 'FUNCTIONS_BASE'}/${name}`,
          inputSchema: PERMISSIVE_SCHEMA,
          scopes,
          upstreamUrl: forwardUrl(sources.functionsBase, name),
          source: 'TOOL_SCOPES_JSON',
        });
    }
  }

  for (const tool of tools.values()) {
    const where = `tool "${tool.name}" (${tool.source})`;
    if (!TOOL_NAME.test(tool.name)) problems.push(`${where}: name must match ${TOOL_NAME.source}`);
    if (tool.public && tool.scopes.length > 0)
      problems.push(`${where} is public and has scopes: a public tool needs no token, so it takes no scopes`);
    if (!tool.public && tool.scopes.length === 0)
      problems.push(
        `${where} has no scopes: give it at least one (deny by default), or declare it public to serve it without a token`,
      );
    const badScopes = tool.scopes.filter((scope) => !SCOPE_TOKEN.test(scope));
    if (badScopes.length > 0) problems.push(`${where}: invalid scope token(s) ${JSON.stringify(badScopes)}`);
    if (!tool.handler && !tool.upstreamUrl) {
      problems.push(`${where} has no backend: set FUNCTIONS_BASE or the tool's "upstream" URL`);
    }
    if (tool.forwardBearer && tool.upstreamUrl) {
      const origin = new URL(tool.upstreamUrl).origin;
      if (!(sources.tokenForwardOrigins ?? []).includes(origin)) {
        problems.push(
          `${where} sets forwardBearer but its upstream origin ${origin} is not in OAUTH_TOKEN_FORWARD_ORIGINS: the user's token may only go to the provider's own API`,
        );
      }
    }
    if (tool.inputSchema.type !== 'object')
      problems.push(`${where}: inputSchema must be a JSON Schema with type "object"`);
    try {
      ajv.compile(tool.inputSchema);
    } catch (error) {
      problems.push(`${where}: inputSchema does not compile: ${(error as Error).message}`);
    }
    problems.push(...metadataProblems(tool, where, ajv));
  }
  if (problems.length > 0) throw new CatalogError(problems);
  return {
    tools: [...tools.values()].sort((a, b) => a.name.localeCompare(b.name)),
    scopeImplications: file?.scopeImplications ?? {},
  };
}

function readToolsFile(
  file: string,
  functionsBase: string | undefined,
  problems: string[],
): { tools: ToolDefinition[]; scopeImplications?: ScopeImplications } {
  let document: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    document = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    problems.push(
      `TOOLS_FILE ${path.basename(file)} could not be read: ${(error as Error).message.split('\n')[0]}`,
    );
    return { tools: [] };
  }
  const settings = (Array.isArray(document) ? {} : (document ?? {})) as {
    tools?: unknown;
    scopeImplications?: unknown;
  };
  const entries = Array.isArray(document) ? document : settings.tools;
  if (!Array.isArray(entries)) {
    problems.push('TOOLS_FILE must hold a list of tools (or an object with a "tools" list)');
    return { tools: [] };
  }
  if (!Array.isArray(document)) {
    for (const key of Object.keys(settings).filter((key) => !FILE_SETTINGS.includes(key)))
      problems.push(`TOOLS_FILE: unknown field "${key}" next to "tools"`);
  }
  let scopeImplications: ScopeImplications | undefined;
  if (settings.scopeImplications !== undefined) {
    scopeImplications = parseScopeImplications(settings.scopeImplications);
    if (!scopeImplications) {
      problems.push(
        'TOOLS_FILE "scopeImplications" must map a scope to the list of scopes it implies, e.g. {"write:repository": ["read:repository"]}',
      );
    }
  }
  const tools = entries.flatMap((entry: unknown, index: number): ToolDefinition[] => {
    const raw = (entry ?? {}) as Record<string, unknown>;
    const where = `TOOLS_FILE tool #${index + 1}${typeof raw.name === 'string' ? ` "${raw.name}"` : ''}`;
    const local: string[] = [];
    for (const key of Object.keys(raw).filter((key) => !FILE_TOOL_FIELDS.includes(key)))
      local.push(`${where}: unknown field "${key}" (a tool has ${FILE_TOOL_FIELDS.join(', ')})`);
    if (typeof raw.name !== 'string') local.push(`${where}: "name" is required`);
    if (typeof raw.description !== 'string' || raw.description.trim() === '')
      local.push(`${where}: "description" is required`);
    if (raw.public !== undefined && typeof raw.public !== 'boolean')
      local.push(`${where}: "public" must be true or false`);
    const scopes = raw.scopes ?? (raw.public === true ? [] : undefined);
    if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === 'string')) {
      local.push(`${where}: "scopes" must be a list of scope names`);
    }
    const schema = raw.inputSchema ?? PERMISSIVE_SCHEMA;
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
      local.push(`${where}: "inputSchema" must be an object`);
    if (raw.upstream !== undefined && !isHttpUrl(raw.upstream))
      local.push(`${where}: "upstream" must be an absolute http(s) URL`);
    if (raw.timeoutMs !== undefined && !(Number.isInteger(raw.timeoutMs) && (raw.timeoutMs as number) > 0)) {
      local.push(`${where}: "timeoutMs" must be a positive integer`);
    }
    if (raw.rateLimit !== undefined && !(Number.isInteger(raw.rateLimit) && (raw.rateLimit as number) >= 0)) {
      local.push(
        `${where}: "rateLimit" must be an integer >= 0 (calls per RATE_LIMIT_WINDOW_S per user; 0 = none)`,
      );
    }
    if (raw.forwardBearer !== undefined && typeof raw.forwardBearer !== 'boolean')
      local.push(`${where}: "forwardBearer" must be true or false`);
    if (local.length > 0) {
      problems.push(...local);
      return [];
    }
    const name = raw.name as string;
    return [
      {
        name,
        description: raw.description as string,
        inputSchema: schema as JsonSchema,
        scopes: [...new Set(scopes as string[])],
        ...(raw.public === true ? { public: true } : {}),
        upstreamUrl: (raw.upstream as string | undefined) ?? forwardUrl(functionsBase, name),
        timeoutMs: raw.timeoutMs as number | undefined,
        ...pickMetadata(raw),
        rateLimit: raw.rateLimit as number | undefined,
        ...(raw.forwardBearer === true ? { forwardBearer: true } : {}),
        source: 'file',
      },
    ];
  });
  return { tools, scopeImplications };
}

function parseToolScopesJson(text: string, problems: string[]): Array<[string, string[]]> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    problems.push('TOOL_SCOPES_JSON is not valid JSON; expected {"tool": ["scope", ...]}');
    return [];
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push('TOOL_SCOPES_JSON must be an object like {"tool": ["scope", ...]}');
    return [];
  }
  return Object.entries(value).flatMap(([name, scopes]): Array<[string, string[]]> => {
    if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === 'string')) {
      problems.push(`TOOL_SCOPES_JSON: the scopes of "${name}" must be a list of strings`);
      return [];
    }
    return [[name, [...new Set(scopes as string[])]]];
  });
}

function forwardUrl(functionsBase: string | undefined, name: string): string | undefined {
  return functionsBase ? `${functionsBase}/${encodeURIComponent(name)}` : undefined;
}

function isHttpUrl(value: unknown): boolean {
  try {
    return typeof value === 'string' && ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** The metadata fields a tool declares, absent ones left out (TOOLS_FILE entries and @Tool options). */
export function pickMetadata(source: ToolMetadata | Record<string, unknown>): ToolMetadata {
  const { title, annotations, outputSchema, _meta } = source as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries({ title, annotations, outputSchema, _meta }).filter(([, value]) => value !== undefined),
  ) as ToolMetadata;
}

function metadataProblems(tool: ToolDefinition, where: string, ajv: Ajv): string[] {
  const problems: string[] = [];
  if (tool.title !== undefined && (typeof tool.title !== 'string' || tool.title.trim() === ''))
    problems.push(`${where}: "title" must be a non-empty string`);
  if (tool.annotations !== undefined) problems.push(...annotationProblems(tool.annotations, where));
  if (tool.outputSchema !== undefined) {
    if (!isJsonObject(tool.outputSchema) || tool.outputSchema.type !== 'object') {
      problems.push(`${where}: outputSchema must be a JSON Schema with type "object"`);
    } else {
      try {
        ajv.compile(tool.outputSchema);
      } catch (error) {
        problems.push(`${where}: outputSchema does not compile: ${(error as Error).message}`);
      }
    }
  }
  if (tool._meta !== undefined) {
    if (!isJsonObject(tool._meta)) problems.push(`${where}: "_meta" must be an object`);
    else
      for (const key of RESERVED_META_KEYS.filter((key) => key in tool._meta!))
        problems.push(`${where}: "_meta.${key}" is written by the gateway from the tool's scopes; remove it`);
  }
  return problems;
}

function annotationProblems(annotations: unknown, where: string): string[] {
  if (!isJsonObject(annotations)) return [`${where}: "annotations" must be an object`];
  return Object.entries(annotations).flatMap(([key, value]): string[] => {
    if (!TOOL_ANNOTATION_KEYS.includes(key as keyof ToolAnnotations))
      return [`${where}: unknown annotation "${key}" (known: ${TOOL_ANNOTATION_KEYS.join(', ')})`];
    const expected = key === 'title' ? 'string' : 'boolean';
    return typeof value === expected ? [] : [`${where}: annotation "${key}" must be a ${expected}`];
  });
}
