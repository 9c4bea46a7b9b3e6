import { EventEmitter } from 'node:events';

import { ConsoleLogger, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';

import { AccessLogMiddleware } from './access-log.middleware';
import type { GatewayRequest } from './request-context';
import { GatewayMetrics } from '../observability/gateway-metrics';

function exchange(path: string): { req: Request; res: Response & EventEmitter } {
  const req = {
    path,
    method: 'POST',
    id: 'req-1',
    user: { sub: 'auth0|alice', clientId: 'client-1' },
    authOutcome: 'ok (cached)',
  } as unknown as Request;
  const res = Object.assign(new EventEmitter(), { statusCode: 200 }) as unknown as Response & EventEmitter;
  return { req, res };
}

describe('AccessLogMiddleware', () => {
  let written: string[];
  let write: jest.SpyInstance;

  beforeEach(() => {
    written = [];
    write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(chunk.toString());
      return true;
    });
  });

  afterEach(() => {
    write.mockRestore();
    Logger.overrideLogger(new ConsoleLogger());
  });

  it('writes, once the answer is sent, the line Nest’s JSON ConsoleLogger writes for the same record', () => {
    const { req, res } = exchange('/tools/search');
    const next = jest.fn();
    new AccessLogMiddleware('log', true, new GatewayMetrics()).use(req, res, next);
    expect(next).toHaveBeenCalledTimes(1);
    expect(written).toEqual([]);
    res.emit('finish');

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
    const { req, res } = exchange('/mcp');
    new AccessLogMiddleware('log', false, new GatewayMetrics()).use(req, res, jest.fn());
    res.emit('finish');

    expect(written).toEqual([]);
    expect(log).toHaveBeenCalledWith(
      expect.objectContaining({ msg: 'request', path: '/mcp', status: 200 }),
      'Access',
    );
  });

  it('writes the request’s oauth_auth_summary after its line, as Nest’s JSON ConsoleLogger would', () => {
    const { req, res } = exchange('/tools/search');
    const summary = { msg: 'oauth_auth_summary', login: 'alice', scopes_effective: ['a'], client_id: null };
    const built = jest.fn((status: number) => ({ ...summary, status }));
    (req as GatewayRequest).authSummary = built;
    new AccessLogMiddleware('log', true, new GatewayMetrics()).use(req, res, jest.fn());
    expect(built).not.toHaveBeenCalled();
    res.statusCode = 201;
    res.emit('finish');

    expect(written).toHaveLength(2);
    expect((JSON.parse(written[0]) as { context: string }).context).toBe('Access');
    const ours = JSON.parse(written[1]) as Record<string, unknown>;
    new ConsoleLogger({ json: true }).log({ ...summary, status: 201 }, 'Auth');
    const nest = JSON.parse(written[2]) as Record<string, unknown>;
    expect({ ...ours, timestamp: 0 }).toEqual({ ...nest, timestamp: 0 });
    expect(Object.keys(ours)).toEqual(Object.keys(nest));
  });

  it('writes no summary when the guard built none (no user)', () => {
    const { req, res } = exchange('/tools/search');
    (req as GatewayRequest).authSummary = () => undefined;
    new AccessLogMiddleware('log', true, new GatewayMetrics()).use(req, res, jest.fn());
    res.emit('finish');

    expect(written).toHaveLength(1);
  });

  it('logs no probe', () => {
    const { req, res } = exchange('/health/live');
    new AccessLogMiddleware('log', true, new GatewayMetrics()).use(req, res, jest.fn());
    res.emit('finish');
    expect(written).toEqual([]);
  });

  it.each(['error', 'warn'] as const)(
    'writes nothing at LOG_LEVEL=%s but still counts the request',
    async (level) => {
      const { req, res } = exchange('/tools/search');
      const next = jest.fn();
      const metrics = new GatewayMetrics();
      new AccessLogMiddleware(level, true, metrics).use(req, res, next);
      expect(next).toHaveBeenCalledTimes(1);
      res.emit('finish');
      expect(written).toEqual([]);
      expect(await metrics.render()).toMatch(
        /^http_requests_total\{route="unmatched",method="POST",status="\d+"\} 1$/m,
      );
    },
  );
});
