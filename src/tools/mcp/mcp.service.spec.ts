import { AuthException } from '../../auth/auth.exception';
import type { AuthenticatedUser } from '../../common/authenticated-user';
import { buildToolsConfig } from '../../config/tools.config';
import { thrownBy } from '../../testing/errors';
import { testRateLimits } from '../../testing/rate-limit.fixtures';
import type { ToolCatalog } from '../tool-catalog.service';
import type { ToolDefinition } from '../tool-definition';
import { ToolInvoker } from '../tool-invoker.service';
import { ToolsErrorCode, ToolsException } from '../tools.exception';
import type { UpstreamClient } from '../upstream.client';
import { GatewayMetrics } from '../../observability/gateway-metrics';
import { McpService } from './mcp.service';

const tools: ToolDefinition[] = [
  { name: 'read', description: 'Reads', inputSchema: { type: 'object' }, scopes: ['r'], source: 'file' },
  {
    name: 'write',
    description: 'Writes',
    inputSchema: { type: 'object' },
    scopes: ['r', 'w'],
    source: 'file',
  },
];

function service(env: Record<string, string> = {}): McpService {
  const catalog = {
    list: () => tools,
    get: (name: string) => {
      const tool = tools.find((candidate) => candidate.name === name);
      if (!tool) throw new ToolsException(ToolsErrorCode.UNKNOWN_TOOL, name, `Unknown tool "${name}"`);
      return tool;
    },
  } as unknown as ToolCatalog;
  const metrics = new GatewayMetrics();
  return new McpService(
    catalog,
    new ToolInvoker(catalog, {} as UpstreamClient, metrics, testRateLimits()),
    buildToolsConfig(env),
    metrics,
  );
}

const reader: AuthenticatedUser = { sub: 'u', scopes: ['r'], exp: 0, claims: {} };
const context = { user: reader, requestId: 'rid' };
const call = (name: string, id = 1): Record<string, unknown> => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name },
});

describe('McpService', () => {
  describe('authorizeToolCalls (step-up)', () => {
    it('throws insufficient_scope naming the scopes the tool needs for a call the token does not cover', () => {
      const error = thrownBy(() => service().authorizeToolCalls(call('write'), context), AuthException);

      expect(error.status).toBe(403);
      expect(error.details).toEqual({
        fields: { required: ['r', 'w'], missing: ['w'] },
        challengeScopes: ['r', 'w'],
        heldScopes: ['r'],
      });
    });

    it('checks every call of a batch', () => {
      expect(() => service().authorizeToolCalls([call('read', 1), call('write', 2)], context)).toThrow(
        AuthException,
      );
    });

    it('lets through calls the token covers, unknown tools (answered -32602 later) and other methods', () => {
      expect(() =>
        service().authorizeToolCalls(
          [call('read'), call('ghost'), { jsonrpc: '2.0', id: 9, method: 'tools/list' }],
          context,
        ),
      ).not.toThrow();
    });
  });

  describe('listTools', () => {
    it('lists only the tools the caller may call, with Apps SDK securitySchemes', () => {
      expect(service().listTools(reader)).toEqual([
        {
          name: 'read',
          description: 'Reads',
          inputSchema: { type: 'object' },
          securitySchemes: [{ type: 'oauth2', scopes: ['r'] }],
          _meta: { securitySchemes: [{ type: 'oauth2', scopes: ['r'] }] },
        },
      ]);
    });

    it('describes a tool with its title, annotations, output schema and _meta, securitySchemes last', () => {
      tools.push({
        name: 'report',
        title: 'Report',
        description: 'Reports',
        inputSchema: { type: 'object' },
        outputSchema: { type: 'object', properties: { total: { type: 'number' } } },
        annotations: { readOnlyHint: true },
        _meta: { 'openai/outputTemplate': 'ui://widget/report.html' },
        scopes: ['r'],
        source: 'file',
      });
      try {
        expect(service().listTools(reader).at(-1)).toEqual({
          name: 'report',
          title: 'Report',
          description: 'Reports',
          inputSchema: { type: 'object' },
          outputSchema: { type: 'object', properties: { total: { type: 'number' } } },
          annotations: { readOnlyHint: true },
          securitySchemes: [{ type: 'oauth2', scopes: ['r'] }],
          _meta: {
            'openai/outputTemplate': 'ui://widget/report.html',
            securitySchemes: [{ type: 'oauth2', scopes: ['r'] }],
          },
        });
      } finally {
        tools.pop();
      }
    });

    it('lists every tool with the missing scopes when MCP_LIST_ALL_TOOLS is on', () => {
      const listed = service({ MCP_LIST_ALL_TOOLS: 'true' }).listTools(reader);

      expect(listed.map((tool) => [tool.name, tool._meta?.['connector-gateway/missingScopes']])).toEqual([
        ['read', []],
        ['write', ['w']],
      ]);
    });
  });
});
