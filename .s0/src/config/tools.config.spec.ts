import { buildToolsConfig } from './tools.config';

describe('buildToolsConfig', () => {
  it('defaults to a 15 s upstream timeout, a 10 MiB response limit and every tool listed', () => {
    expect(buildToolsConfig({})).toEqual({
      functionsBase: undefined,
      toolsFile: undefined,
      toolScopesJson: undefined,
      upstreamTimeoutMs: 15_000,
      upstreamMaxResponseBytes: 10 * 1024 * 1024,
      argsMaxDepth: 64,
      hmacSecret: '',
      mcpListAllTools: true,
      tokenForwardOrigins: [],
    });
  });

  it('drops the trailing slash of FUNCTIONS_BASE so tool URLs join cleanly', () => {
    expect(buildToolsConfig({ FUNCTIONS_BASE: 'https://functions.internal/api/' }).functionsBase).toBe(
      'https://functions.internal/api',
    );
  });

  it('lists every tool in MCP tools/list unless MCP_LIST_ALL_TOOLS=false', () => {
    expect(buildToolsConfig({}).mcpListAllTools).toBe(true);
    expect(buildToolsConfig({ MCP_LIST_ALL_TOOLS: 'false' }).mcpListAllTools).toBe(false);
  });

  it('keeps only the origin of each OAUTH_TOKEN_FORWARD_ORIGINS entry and refuses non-URLs', () => {
    expect(
      buildToolsConfig({ OAUTH_TOKEN_FORWARD_ORIGINS: 'https://git.example.com/, http://127.0.0.1:3000' })
        .tokenForwardOrigins,
    ).toEqual(['https://git.example.com', 'http://127.0.0.1:3000']);
    expect(() => buildToolsConfig({ OAUTH_TOKEN_FORWARD_ORIGINS: 'git.example.com' })).toThrow(
      'OAUTH_TOKEN_FORWARD_ORIGINS must list origins',
    );
  });
});
