import { EventEmitter } from 'node:events';

import { ConsoleLogger, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { AccessLog } from './access-log';
import type { GatewayRequest } from './request-context';
import { stdoutLines } from './stdout-lines';
import { GatewayMetrics } from '../observability/gateway-metrics';

/** A request as Fastify hands it to the gateway's onRequest hook (no route matched), and its raw response. */
function exchange(url: string): {
  req: GatewayRequest;
  reply: FastifyReply;
  res: EventEmitter & { statusCode: number };
} {
  const req = {
    url: `${url}?q=1`,
    method: 'POST',
    id: 'req-1',
    is404: true,
    routeOptions: {},
    user: { sub: 'auth0|alice', clientId: 'client-1' },
    authOutcome: 'ok (cached)',
  } as unknown as GatewayRequest;
  const res = Object.assign(new EventEmitter(), { statusCode: 200 });
  return { req, res, reply: { raw: res } as unknown as FastifyReply };
}

describe('AccessLog', () => {
  let written: string[];
  let write: jest.SpyInstance;

  beforeEach(() => {
    written = [];
    write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(...chunk.toString().split(/(?<=\n)/));
      return true;
    });
  });

  afterEach(() => {
    write.mockRestore();
    Logger.overrideLogger(new ConsoleLogger());
  });

  it('writes, once the answer is sent, the line Nest’s JSON ConsoleLogger writes for the same record', () => {
    const { req, reply, res } = exchange('/tools/search');
    new AccessLog('log', true, new GatewayMetrics()).track(req, reply);
    expect(written).toEqual([]);
    res.emit('finish');
    stdoutLines.flush();

    expect(written).toHaveLength(1);
    const ours = JSON.parse(written[0]) as Record<string, unknown>;
    expect(ours.message).toEqual({
      msg: 'request',
      requestId: 'req-1',
      method: 'POST',
      path: '/tools/search',
      status: 200,
      durationMs: expect.any(Number),
      sub: 'auth0|alice',
      clientId: 'client-1',
      auth: 'ok (cached)',
    });

    new ConsoleLogger({ json: true }).log(ours.message, 'Access');
    const nest = JSON.parse(written[1]) as Record<string, unknown>;
    expect(written[0].endsWith('\n')).toBe(true);
    expect(Object.keys(ours)).toEqual(Object.keys(nest));
    expect({ ...ours, timestamp: 0 }).toEqual({ ...nest, timestamp: 0 });
  });

  it('logs through the application logger when it does not write JSON', () => {
    const log = jest.fn();
    Logger.overrideLogger({ log, error: jest.fn(), warn: jest.fn() });
    const { req, reply, res } = exchange('/mcp');
    new AccessLog('log', false, new GatewayMetrics()).track(req, reply);
    res.emit('finish');
    stdoutLines.flush();

    expect(written).toEqual([]);
    expect(log).toHaveBeenCalledWith(
      expect.objectContaining({ msg: 'request', path: '/mcp', status: 200 }),
      'Access',
    );
  });

  it('writes the request’s oauth_auth_summary after its line, as Nest’s JSON ConsoleLogger would', () => {
    const { req, reply, res } = exchange('/tools/search');
    const summary = { msg: 'oauth_auth_summary', login: 'alice', scopes_effective: ['a'], client_id: null };
    const built = jest.fn((status: number) => ({ ...summary, status }));
    req.authSummary = built;
    new AccessLog('log', true, new GatewayMetrics()).track(req, reply);
    expect(built).not.toHaveBeenCalled();
    res.statusCode = 201;
    res.emit('finish');
    stdoutLines.flush();

    expect(written).toHaveLength(2);
    expect((JSON.parse(written[0]) as { context: string }).context).toBe('Access');
    const ours = JSON.parse(written[1]) as Record<string, unknown>;
    new ConsoleLogger({ json: true }).log({ ...summary, status: 201 }, 'Auth');
    const nest = JSON.parse(written[2]) as Record<string, unknown>;
    expect({ ...ours, timestamp: 0 }).toEqual({ ...nest, timestamp: 0 });
    expect(Object.keys(ours)).toEqual(Object.keys(nest));
  });

  it('writes no summary when the guard built none (no user)', () => {
    const { req, reply, res } = exchange('/tools/search');
    req.authSummary = () => undefined;
    new AccessLog('log', true, new GatewayMetrics()).track(req, reply);
    res.emit('finish');
    stdoutLines.flush();

    expect(written).toHaveLength(1);
  });

  it('logs no probe', () => {
    const { req, reply, res } = exchange('/health/live');
    new AccessLog('log', true, new GatewayMetrics()).track(req, reply);
    res.emit('finish');
    stdoutLines.flush();
    expect(written).toEqual([]);
  });

  it.each(['error', 'warn'] as const)(
    'writes nothing at LOG_LEVEL=%s but still counts the request',
    async (level) => {
      const { req, reply, res } = exchange('/tools/search');
      const metrics = new GatewayMetrics();
      new AccessLog(level, true, metrics).track(req, reply);
      res.emit('finish');
      stdoutLines.flush();
      expect(written).toEqual([]);
      expect(await metrics.render()).toMatch(
        /^http_requests_total\{route="unmatched",method="POST",status="\d+"\} 1$/m,
      );
    },
  );
});
