import { AuthException } from '../../auth/auth.exception';
import type { AuthenticatedUser } from '../../common/authenticated-user';
import { buildToolsConfig } from '../../config/tools.config';
import { thrownBy } from '../../testing/errors';
import { testRateLimits } from '../../testing/rate-limit.fixtures';
import type { ToolCatalog } from '../tool-catalog';
import type { ToolDefinition } from '../tool-definition';
import { ANONYMOUS } from '../tool-definition';
import { ToolInvoker } from '../tool-invoker';
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
  {
    name: 'status',
    description: 'Status',
    inputSchema: { type: 'object' },
    scopes: [],
    public: true,
    source: 'file',
  },
];

function service(env: Record<string, string> = {}): McpService {
  const catalog = {
    list: () => tools,
    find: (name: string) => tools.find((candidate) => candidate.name === name),
    has: (name: string) => tools.some((candidate) => candidate.name === name),
    hasPublicTools: () => tools.some((tool) => tool.public),
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

describe('McpService', () => {
  describe('authorizeToolCalls (step-up)', () => {
    it('throws insufficient_scope naming the scopes the tool needs for a call the token does not cover', () => {
      const error = thrownBy(() => service().authorizeToolCalls(['write'], context), AuthException);

      expect(error.status).toBe(403);
      expect(error.details).toEqual({
        fields: { required: ['r', 'w'], missing: ['w'] },
        challengeScopes: ['r', 'w'],
        heldScopes: ['r'],
      });
    });

    it('checks every call of a batch', () => {
      expect(() => service().authorizeToolCalls(['read', 'write'], context)).toThrow(AuthException);
    });

    it('lets through calls the token covers and unknown tools (answered -32602 later)', () => {
      expect(() => service().authorizeToolCalls(['read', 'ghost'], context)).not.toThrow();
    });
  });

  describe('without a token', () => {
    it('admits a request only when the catalog has a public tool', () => {
      expect(() => service().admitAnonymous()).not.toThrow();
      const publicTool = tools.pop()!;
      try {
        const error = thrownBy(() => service().admitAnonymous(), AuthException);
        expect(error.code).toBe('MISSING_TOKEN');
      } finally {
        tools.push(publicTool);
      }
    });

    it('lets a public tool be called and answers every other tools/call with the 401 challenge of that tool', () => {
      const anonymous = { user: ANONYMOUS, requestId: 'rid' };

      expect(() => service().authorizeToolCalls(['status'], anonymous)).not.toThrow();
      const protectedCall = thrownBy(() => service().authorizeToolCalls(['write'], anonymous), AuthException);
      expect(protectedCall.status).toBe(401);
      expect(protectedCall.details.challengeScopes).toEqual(['r', 'w']);
      // An unknown name gets the same 401: no token, no catalog.
      expect(thrownBy(() => service().authorizeToolCalls(['ghost'], anonymous), AuthException).status).toBe(
        401,
      );
    });
  });

  describe('listTools', () => {
    it('lists every tool by default, with exact Apps SDK securitySchemes and the scopes the caller lacks', () => {
      const listed = service().listTools(reader);

      expect(listed.map((tool) => [tool.name, tool.securitySchemes, tool._meta])).toEqual([
        [
          'read',
          [{ type: 'oauth2', scopes: ['r'] }],
          { securitySchemes: [{ type: 'oauth2', scopes: ['r'] }], 'connector-gateway/missingScopes': [] },
        ],
        [
          'write',
          [{ type: 'oauth2', scopes: ['r', 'w'] }],
          {
            securitySchemes: [{ type: 'oauth2', scopes: ['r', 'w'] }],
            'connector-gateway/missingScopes': ['w'],
          },
        ],
        [
          'status',
          [{ type: 'noauth' }],
          { securitySchemes: [{ type: 'noauth' }], 'connector-gateway/missingScopes': [] },
        ],
      ]);
    });

    it('lists only the callable tools with MCP_LIST_ALL_TOOLS=false: public ones to a caller without a token', () => {
      const perCaller = service({ MCP_LIST_ALL_TOOLS: 'false' });

      expect(perCaller.listTools(reader).map((tool) => tool.name)).toEqual(['read', 'status']);
      expect(perCaller.listTools(ANONYMOUS).map((tool) => tool.name)).toEqual(['status']);
      expect(perCaller.listTools(reader)[0]).toEqual({
        name: 'read',
        description: 'Reads',
        inputSchema: { type: 'object' },
        securitySchemes: [{ type: 'oauth2', scopes: ['r'] }],
        _meta: { securitySchemes: [{ type: 'oauth2', scopes: ['r'] }] },
      });
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
        expect(service({ MCP_LIST_ALL_TOOLS: 'false' }).listTools(reader).at(-1)).toEqual({
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
  });
});
