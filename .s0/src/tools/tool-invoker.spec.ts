import { BadRequestException, Logger } from '@nestjs/common';

import { FakeResponse, fakeRequest, httpContext } from '../testing/http.fixtures';
import { testRateLimits } from '../testing/rate-limit.fixtures';
import type { ToolCatalog } from './tool-catalog';
import { AuthErrorCode, AuthException } from '../auth/auth.exception';
import { thrownBy } from '../testing/errors';
import { ANONYMOUS, ToolCallContext, ToolDefinition } from './tool-definition';
import { TOOLS_ERRORS } from './tools.exception';
import { ToolInvoker } from './tool-invoker';
import { ToolsExceptionFilter } from './tools-exception.filter';
import type { UpstreamClient } from './upstream.client';
import { GatewayMetrics } from '../observability/gateway-metrics';

const context: ToolCallContext = {
  user: { sub: 'alice', scopes: ['reports:read'], exp: 2_000_000_000, claims: {} },
  requestId: 'req-42',
};

function invokerFor(handler: ToolDefinition['handler']): ToolInvoker {
  const tool: ToolDefinition = {
    name: 'report',
    description: 'A report',
    inputSchema: { type: 'object' },
    scopes: ['reports:read'],
    handler,
    source: 'code',
  };
  const catalog = {
    get: () => tool,
    has: (name: string) => name === tool.name,
    validateArguments: (_name: string, args: unknown) => args,
  };
  return new ToolInvoker(
    catalog as unknown as ToolCatalog,
    {} as UpstreamClient,
    new GatewayMetrics(),
    testRateLimits(),
  );
}

/** What POST /tools/report answers when the invoker throws `error`. */
function answerTo(error: unknown): FakeResponse {
  const response = new FakeResponse();
  new ToolsExceptionFilter().catch(
    error as never,
    httpContext(fakeRequest(), undefined, undefined, response),
  );
  return response;
}

describe('ToolInvoker with an in-process tool', () => {
  afterEach(() => jest.restoreAllMocks());

  it('returns what the tool returns', async () => {
    await expect(invokerFor(() => ({ rows: 3 })).invoke('report', {}, context)).resolves.toMatchObject({
      kind: 'in-process',
      value: { rows: 3 },
    });
  });

  it("hands the tool the caller and the request, never the caller's token", async () => {
    const handler = jest.fn(() => 'ok');
    const signal = new AbortController().signal;

    await invokerFor(handler).invoke('report', {}, { ...context, signal, accessToken: 'eyJ.secret.token' });

    expect(handler).toHaveBeenCalledWith({}, { user: context.user, requestId: 'req-42', signal });
  });

  it('turns an unexpected failure into 500 tool_failed that names the tool and leaks nothing', async () => {
    const log = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const failure = invokerFor(() => {
      throw new Error('connect ECONNREFUSED postgres://admin:hunter2@db');
    }).invoke('report', {}, context);

    const error = await failure.catch((thrown: unknown) => thrown);
    const response = answerTo(error);

    expect(response.statusCode).toBe(500);
    expect(response.body).toEqual({
      error: 'tool_failed',
      code: 'TOOL_FAILED',
      message: 'Tool "report" failed; quote the request id when reporting it',
      hint: TOOLS_ERRORS.TOOL_FAILED.hint,
      tool: 'report',
      requestId: 'req-42',
    });
    expect(JSON.stringify(response.body) + JSON.stringify(log.mock.calls)).not.toContain('hunter2');
  });

  it("lets a tool's own HTTP error through", async () => {
    const failure = invokerFor(() => {
      throw new BadRequestException('Unknown region');
    }).invoke('report', {}, context);

    await expect(failure).rejects.toBeInstanceOf(BadRequestException);
  });
});

describe('ToolInvoker.authorize', () => {
  const tools: ToolDefinition[] = [
    {
      name: 'report',
      description: 'R',
      inputSchema: { type: 'object' },
      scopes: ['reports:read'],
      source: 'file',
    },
    {
      name: 'status',
      description: 'S',
      inputSchema: { type: 'object' },
      scopes: [],
      public: true,
      source: 'file',
    },
  ];
  const catalog = {
    get: (name: string) => tools.find((tool) => tool.name === name)!,
    find: (name: string) => tools.find((tool) => tool.name === name),
    has: (name: string) => tools.some((tool) => tool.name === name),
    hasPublicTools: () => tools.some((tool) => tool.public),
  };
  const invoker = new ToolInvoker(
    catalog as unknown as ToolCatalog,
    {} as UpstreamClient,
    new GatewayMetrics(),
    testRateLimits(),
  );
  const anonymous = { user: ANONYMOUS, requestId: 'req-1' };

  it('serves a public tool to a caller without a token, and to one without its scopes', () => {
    expect(invoker.authorize('status', anonymous).name).toBe('status');
    expect(invoker.authorize('status', { ...context, user: { ...context.user, scopes: [] } }).name).toBe(
      'status',
    );
  });

  it('answers a caller without a token 401 MISSING_TOKEN naming the scopes of the protected tool', () => {
    const error = thrownBy(() => invoker.authorize('report', anonymous), AuthException);

    expect(error.code).toBe(AuthErrorCode.MISSING_TOKEN);
    expect(error.status).toBe(401);
    expect(error.details.challengeScopes).toEqual(['reports:read']);
  });

  it('answers a caller without a token 401, not 404, for a name that is no tool: the catalog stays private', () => {
    const error = thrownBy(() => invoker.authorize('drop_tables', anonymous), AuthException);

    expect(error.status).toBe(401);
    expect(error.details.challengeScopes).toBeUndefined();
  });

  it('counts the refused calls of names that are no tool under one label, whoever sends them', async () => {
    const metrics = new GatewayMetrics();
    const counting = new ToolInvoker(
      catalog as unknown as ToolCatalog,
      {} as UpstreamClient,
      metrics,
      testRateLimits(),
    );

    await expect(counting.invoke('drop_tables', {}, anonymous)).rejects.toBeInstanceOf(AuthException);
    await expect(counting.invoke('report', {}, anonymous)).rejects.toBeInstanceOf(AuthException);

    const text = await metrics.render();
    expect(text).toContain('tool_calls_total{tool="unknown",outcome="MISSING_TOKEN"} 1');
    expect(text).toContain('tool_calls_total{tool="report",outcome="MISSING_TOKEN"} 1');
    expect(text).not.toContain('drop_tables');
  });

  it('answers a caller without a token as the bearer guard would when no tool is public', () => {
    const closed = new ToolInvoker(
      { ...catalog, hasPublicTools: () => false } as unknown as ToolCatalog,
      {} as UpstreamClient,
      new GatewayMetrics(),
      testRateLimits(),
    );

    const error = thrownBy(() => closed.authorize('report', anonymous), AuthException);

    expect(error.message).toBe('This endpoint requires a bearer token');
    expect(error.details.challengeScopes).toBeUndefined();
  });
});
