import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';

import type { GatewayRequest } from '../common/request-context';

/** Enough of a Fastify request for guards and filters: headers, id, url and protocol. */
export function fakeRequest(
  options: { headers?: Record<string, string>; protocol?: string } = {},
): GatewayRequest {
  const headers = options.headers ?? {};
  return {
    id: 'req-42',
    headers,
    url: '/',
    protocol: options.protocol ?? 'http',
  } as unknown as GatewayRequest;
}

/** Records what a filter sends, the way Fastify's reply takes it. */
export class FakeReply {
  statusCode = 200;
  body: unknown;
  sent = false;
  readonly raw = { headersSent: false };
  readonly headers: Record<string, string | number> = {};

  header(name: string, value: string | number): this {
    this.headers[name.toLowerCase()] = value;
    return this;
  }

  getHeader(name: string): string | number | undefined {
    return this.headers[name.toLowerCase()];
  }

  code(status: number): this {
    this.statusCode = status;
    return this;
  }

  /** The filters send JSON they serialised themselves: parsed back. */
  send(payload?: unknown): this {
    this.body = typeof payload === 'string' ? (JSON.parse(payload) as unknown) : payload;
    this.sent = true;
    return this;
  }
}

/** The ExecutionContext Nest builds for an HTTP call to `handler` on `controller`. */
export function httpContext(
  request: GatewayRequest,
  controller: new (...args: never[]) => unknown = class {},
  handler: (...args: never[]) => unknown = () => undefined,
  response: FakeReply = new FakeReply(),
): ExecutionContextHost {
  return new ExecutionContextHost([request, response], controller as never, handler);
}
