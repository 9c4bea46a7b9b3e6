import { IsOptional, IsString, IsUrl, MinLength } from 'class-validator';

import { HTTP_URL_OPTIONS, withoutTrailingSlash } from '../common/url';
import { configNamespace } from './config-namespace';
import { IntRange, RawEnv, ToBoolean, ToList, loadEnv } from './env.util';

export class ToolsEnv {
  @IsOptional()
  @IsUrl(HTTP_URL_OPTIONS, {
    message: 'FUNCTIONS_BASE must be an absolute http(s) URL, e.g. https://functions.internal/api',
  })
  FUNCTIONS_BASE?: string;

  @IsOptional()
  @IsString()
  TOOLS_FILE?: string;

  /** The earlier gateway's form: {"tool":["scope",...]}; parsed (and reported) by the tool catalog. */
  @IsOptional()
  @IsString()
  TOOL_SCOPES_JSON?: string;

  @IntRange(100, 300_000, 'UPSTREAM_TIMEOUT_MS must be an integer number of milliseconds')
  UPSTREAM_TIMEOUT_MS: number = 15_000;

  @IsOptional()
  @IsString()
  @MinLength(32, {
    message: 'GATEWAY_HMAC_SECRET must be at least 32 characters (use: openssl rand -hex 32)',
  })
  GATEWAY_HMAC_SECRET?: string;

  /** A file holding GATEWAY_HMAC_SECRET (read by loadGatewayConfig). */
  @IsOptional()
  @IsString()
  GATEWAY_HMAC_SECRET_FILE?: string;

  @IntRange(1024, 100 * 1024 * 1024)
  UPSTREAM_MAX_RESPONSE_BYTES: number = 10 * 1024 * 1024;

  /** Deepest nesting of tool arguments; deeper ones are refused before schema validation (which recurses). */
  @IntRange(1, 1000)
  TOOL_ARGS_MAX_DEPTH: number = 64;

  /** MCP tools/list: false lists only the tools the caller may call; true lists all, with their scopes. */
  @ToBoolean()
  @IsOptional()
  MCP_LIST_ALL_TOOLS: boolean = true;

  /** Loads the demo in-process tools (src/tools/examples); on by default in local mode. */
  @ToBoolean()
  @IsOptional()
  EXAMPLE_TOOLS_ENABLED: boolean = false;

  /**
   * Origins (scheme://host[:port]) of the provider's own API to which a catalog tool with
   * `forwardBearer: true` may send the user's access token. Empty: the token is never forwarded.
   */
  @ToList()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { each: true, message: 'OAUTH_TOKEN_FORWARD_ORIGINS must list origins like https://git.example.com' },
  )
  OAUTH_TOKEN_FORWARD_ORIGINS: string[] = [];
}

export interface ToolsConfig {
  functionsBase?: string;
  toolsFile?: string;
  toolScopesJson?: string;
  upstreamTimeoutMs: number;
  upstreamMaxResponseBytes: number;
  argsMaxDepth: number;
  hmacSecret: string;
  mcpListAllTools: boolean;
  tokenForwardOrigins: string[];
}

export function buildToolsConfig(source: RawEnv | ToolsEnv): ToolsConfig {
  const e = source instanceof ToolsEnv ? source : loadEnv(ToolsEnv, source);
  return {
    functionsBase: e.FUNCTIONS_BASE && withoutTrailingSlash(e.FUNCTIONS_BASE),
    toolsFile: e.TOOLS_FILE,
    toolScopesJson: e.TOOL_SCOPES_JSON,
    upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
    upstreamMaxResponseBytes: e.UPSTREAM_MAX_RESPONSE_BYTES,
    argsMaxDepth: e.TOOL_ARGS_MAX_DEPTH,
    hmacSecret: e.GATEWAY_HMAC_SECRET ?? '',
    mcpListAllTools: e.MCP_LIST_ALL_TOOLS !== false,
    tokenForwardOrigins: e.OAUTH_TOKEN_FORWARD_ORIGINS.map((origin) => new URL(origin).origin),
  };
}

export const toolsConfig = configNamespace<ToolsConfig>('tools');
