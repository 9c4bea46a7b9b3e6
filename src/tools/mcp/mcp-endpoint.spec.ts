import type { AddressInfo } from 'node:net';

import { BadRequestException, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import { CallToolResult, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import { fastify, FastifyInstance, FastifyReply } from 'fastify';

import { RequireScopes } from '../../auth/decorators/require-scopes.decorator';
import { ScopeRegistry } from '../../auth/scope.registry';
import type { AuthenticatedUser } from '../../common/authenticated-user';
import type { GatewayRequest, McpActivity } from '../../common/request-context';
import { registerBodyParsers } from '../../common/safe-body-parser';
import { buildToolsConfig } from '../../config/tools.config';
import { GatewayMetrics } from '../../observability/gateway-metrics';
import { testAuthConfig } from '../../testing/config.fixtures';
import { testRateLimits } from '../../testing/rate-limit.fixtures';
import { ToolCatalog } from '../tool-catalog';
import { Tool } from '../tool.decorator';
import { ToolInvoker } from '../tool-invoker';
import type { UpstreamClient } from '../upstream.client';
import { McpEndpoint } from './mcp-endpoint';
import { newActivity, summarizeMessage } from './mcp-tool-calls';
import { McpService } from './mcp.service';

const TOTAL_OUTPUT = { type: 'object', properties: { total: { type: 'number' } }, required: ['total'] };

/** In-process tools whose answers cover every kind of result McpService.callTool builds. */
@RequireScopes('tools:read')
class SpecTools {
  @Tool({ name: 'echo', description: 'Echoes its arguments.', inputSchema: { type: 'object' } })
  echo(args: Record<string, unknown>): unknown {
    return args.answer === undefined ? args : JSON.parse(String(args.answer));
  }

  @Tool({ name: 'greet', description: 'Answers text.', inputSchema: { type: 'object' } })
  greet(): string {
    return 'hello, not JSON';
  }

  @Tool({
    name: 'strict',
    description: 'Requires a message.',
    inputSchema: {
      type: 'object',
      properties: { message: { type: 'string', maxLength: 5 } },
      required: ['message'],
      additionalProperties: false,
    },
  })
  strict(args: Record<string, unknown>): unknown {
    return { message: args.message };
  }

  @Tool({ name: 'refuse', description: 'Answers HTTP 400.', inputSchema: { type: 'object' } })
  refuse(): never {
    throw new BadRequestException('The report needs a region');
  }

  @Tool({ name: 'crash', description: 'Fails.', inputSchema: { type: 'object' } })
  crash(): never {
    throw new Error('database password is hunter2');
  }

  @Tool({
    name: 'totals',
    description: 'Answers to an output schema.',
    inputSchema: { type: 'object' },
    outputSchema: TOTAL_OUTPUT,
  })
  totals(args: Record<string, unknown>): unknown {
    return { total: args.total };
  }
}

const user: AuthenticatedUser = { sub: 'alice', scopes: ['tools:read'], exp: 0, claims: {} };

function gatewayParts(): { service: McpService; endpoint: McpEndpoint } {
  const instance = new SpecTools();
  const wrapper = { instance, metatype: SpecTools, isDependencyTreeStatic: () => true } as InstanceWrapper;
  const discovery = {
    getProviders: () => [wrapper],
    getControllers: () => [],
  } as unknown as DiscoveryService;
  const config = buildToolsConfig({});
  const catalog = new ToolCatalog(config, discovery, new ScopeRegistry(testAuthConfig()));
  catalog.onModuleInit();
  const metrics = new GatewayMetrics();
  const invoker = new ToolInvoker(catalog, {} as UpstreamClient, metrics, testRateLimits());
  const service = new McpService(catalog, invoker, config, metrics);
  return { service, endpoint: new McpEndpoint(service) };
}

interface Answer {
  status: number;
  contentType: string | null;
  body: string;
  activity: McpActivity;
}

/**
 * A Fastify server that answers each POST as McpController hands it over (body parsed, activity set up),
 * through `McpEndpoint.serve` or, with `x-spec-path: sdk`, always through the SDK.
 */
class EndpointServer {
  private readonly server: FastifyInstance = fastify();
  private readonly activities = new Map<string, McpActivity>();
  private url = '';
  private sequence = 0;

  constructor(private readonly endpoint: McpEndpoint) {
    registerBodyParsers(this.server, { limit: 1_000_000, rawTextPaths: [] });
    this.server.post('/mcp', (request, reply) => this.handle(request as GatewayRequest, reply));
  }

  async start(): Promise<void> {
    await this.server.listen({ port: 0, host: '127.0.0.1' });
    this.url = `http://127.0.0.1:${(this.server.server.address() as AddressInfo).port}/mcp`;
  }

  stop(): Promise<void> {
    return this.server.close();
  }

  async post(path: 'serve' | 'sdk', body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const id = String((this.sequence += 1));
    const response = await fetch(this.url, {
      method: 'POST',
      headers: {
        accept: 'application/json, text/event-stream',
        'content-type': 'application/json',
        'x-spec-path': path,
        'x-spec-id': id,
        ...headers,
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      body: text,
      activity: this.activities.get(id)!,
    };
  }

  private async handle(request: GatewayRequest, reply: FastifyReply): Promise<void> {
    const activity = newActivity(summarizeMessage(request.body));
    request.mcp = activity;
    this.activities.set(String(request.headers['x-spec-id']), activity);
    const context = { user, requestId: 'req-1', signal: new AbortController().signal };
    if (request.headers['x-spec-path'] === 'sdk') {
      await this.endpoint.serveThroughSdk(request, reply, { context, activity });
    } else {
      await this.endpoint.serve(request, reply, context);
    }
  }
}

const call = (name: string, args?: unknown, id: unknown = 7): Record<string, unknown> => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: args === undefined ? { name } : { name, arguments: args },
});

describe('McpEndpoint', () => {
  let parts: ReturnType<typeof gatewayParts>;
  let server: EndpointServer;
  let throughSdk: jest.SpyInstance;

  beforeAll(async () => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    parts = gatewayParts();
    server = new EndpointServer(parts.endpoint);
    await server.start();
  });

  beforeEach(() => {
    throughSdk = jest.spyOn(parts.endpoint, 'serveThroughSdk');
  });

  afterEach(() => throughSdk.mockRestore());

  afterAll(async () => {
    await server.stop();
    await parts.endpoint.onModuleDestroy();
    jest.restoreAllMocks();
  });

  /** The answer of `serve` and of the SDK to the same request, and whether `serve` handed it to the SDK. */
  async function both(
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<{ direct: Answer; sdk: Answer; directUsedSdk: boolean }> {
    const direct = await server.post('serve', body, headers);
    const directUsedSdk = throughSdk.mock.calls.length > 0;
    const sdk = await server.post('sdk', body, headers);
    return { direct, sdk, directUsedSdk };
  }

  describe('POST /mcp with one tools/call of a 2025 revision (answered without the SDK)', () => {
    it.each([
      ['a result with structuredContent', call('echo', { message: 'hi', n: 1, tags: ['a'] })],
      ['a text result', call('greet', {})],
      ['a call without arguments', call('greet')],
      ['a string id', call('echo', { message: 'hi' }, 'call-1')],
      ['id 0', call('echo', {}, 0)],
      ['an isError result (the tool answered HTTP 400)', call('refuse', {})],
      ['an isError result (the tool failed)', call('crash', {})],
      ['invalid arguments (a tool error, SEP-1303)', call('strict', { message: 'far too long', extra: 1 })],
      ['an unknown tool (JSON-RPC -32602)', call('drop_tables', {})],
      ['a tool with an outputSchema', call('totals', { total: 3 })],
      ['an outputSchema the answer breaks (details in _meta)', call('totals', { total: 'many' })],
      [
        'structuredContent with numeric and __proto__ keys (the SDK drops __proto__)',
        call('echo', { answer: '{"b":1,"2":2,"__proto__":{"x":1},"a":{"__proto__":3},"1":0}' }),
      ],
      ['arguments with unicode and escapes', call('echo', { message: 'é\u2028"\\\n😀' })],
    ])('answers %s exactly as the SDK does', async (_case, body) => {
      const { direct, sdk, directUsedSdk } = await both(body);

      expect(directUsedSdk).toBe(false);
      expect(direct.status).toBe(200);
      expect(direct.contentType).toBe('application/json');
      expect(direct.body).toBe(sdk.body);
      expect({ status: direct.status, contentType: direct.contentType }).toEqual({
        status: sdk.status,
        contentType: sdk.contentType,
      });
      expect(direct.activity).toEqual(sdk.activity);
    });

    it.each([...SUPPORTED_PROTOCOL_VERSIONS.map((version) => [`MCP-Protocol-Version ${version}`, version])])(
      'answers with %s exactly as the SDK does',
      async (_case, version) => {
        const { direct, sdk, directUsedSdk } = await both(call('echo', { message: 'hi' }), {
          'mcp-protocol-version': version,
        });

        expect(directUsedSdk).toBe(false);
        expect(direct.body).toBe(sdk.body);
        expect(direct.status).toBe(sdk.status);
      },
    );

    it('accepts a JSON content type with parameters, as the SDK does', async () => {
      const { direct, sdk, directUsedSdk } = await both(call('echo', { message: 'hi' }), {
        'content-type': 'application/json; charset=utf-8',
      });

      expect(directUsedSdk).toBe(false);
      expect(direct.body).toBe(sdk.body);
    });

    it('records the outcome of each call for the access line', async () => {
      const { direct } = await both(call('strict', {}));

      expect(direct.activity).toEqual({
        methods: ['tools/call'],
        tools: [{ name: 'strict', outcome: 'INVALID_ARGUMENTS' }],
      });
      expect(JSON.parse(direct.body)).toMatchObject({
        jsonrpc: '2.0',
        id: 7,
        result: { isError: true, structuredContent: { code: 'INVALID_ARGUMENTS', tool: 'strict' } },
      });
    });

    it('answers a tool failure without its internal message', async () => {
      const { direct } = await both(call('crash', {}));

      expect(direct.body).not.toContain('hunter2');
    });

    it('lets the SDK answer a result it does not copy exactly (an image block), calling the tool once', async () => {
      const image: CallToolResult = {
        content: [{ type: 'image', data: 'aGk=', mimeType: 'image/png' }],
        isError: false,
      };
      const callTool = jest.spyOn(parts.service, 'callTool').mockResolvedValue(image);
      try {
        const { direct, sdk, directUsedSdk } = await both(call('echo', {}));

        expect(directUsedSdk).toBe(true);
        expect(callTool).toHaveBeenCalledTimes(2);
        expect(direct.body).toBe(sdk.body);
        expect(JSON.parse(direct.body)).toEqual({ jsonrpc: '2.0', id: 7, result: image });
      } finally {
        callTool.mockRestore();
      }
    });

    it('answers an unexpected error as the SDK does (JSON-RPC -32603)', async () => {
      const callTool = jest.spyOn(parts.service, 'callTool').mockRejectedValue(new TypeError('broken'));
      try {
        const { direct, sdk, directUsedSdk } = await both(call('echo', {}));

        expect(directUsedSdk).toBe(false);
        expect(direct.body).toBe(sdk.body);
        expect(JSON.parse(direct.body)).toEqual({
          jsonrpc: '2.0',
          id: 7,
          error: { code: -32603, message: 'broken' },
        });
      } finally {
        callTool.mockRestore();
      }
    });
  });

  describe('POST /mcp with anything else (answered by the SDK)', () => {
    it.each([
      ['a batch', [call('echo', {}, 1), call('greet', {}, 2)], {}],
      ['a notification', { jsonrpc: '2.0', method: 'tools/call', params: { name: 'echo' } }, {}],
      ['tools/list', { jsonrpc: '2.0', id: 1, method: 'tools/list' }, {}],
      [
        'params with _meta',
        { ...call('echo', {}), params: { name: 'echo', _meta: { progressToken: 1 } } },
        {},
      ],
      [
        'arguments with an own __proto__ key',
        JSON.parse(
          '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"__proto__":{"a":1},"b":2}}}',
        ) as unknown,
        {},
      ],
      ['arguments that are not an object', call('echo', ['a']), {}],
      ['a name that is not a string', { ...call('echo', {}), params: { name: 3 } }, {}],
      ['an id beyond a safe integer', call('echo', {}, 2 ** 53), {}],
      ['an id that is not an integer', call('echo', {}, 1.5), {}],
      ['an extra member', { ...call('echo', {}), extra: true }, {}],
      ['a wrong jsonrpc version', { ...call('echo', {}), jsonrpc: '1.0' }, {}],
      ['an unsupported protocol version', call('echo', {}), { 'mcp-protocol-version': '2025-01-01' }],
      ['an Accept without text/event-stream', call('echo', {}), { accept: 'application/json' }],
      ['a non-JSON content type', call('echo', {}), { 'content-type': 'text/plain' }],
    ])('answers %s through the SDK', async (_case, body, headers: Record<string, string>) => {
      const { direct, sdk, directUsedSdk } = await both(body, headers);

      expect(directUsedSdk).toBe(true);
      expect(direct.status).toBe(sdk.status);
      expect(direct.contentType).toBe(sdk.contentType);
      expect(direct.body).toBe(sdk.body);
    });
  });
});
