import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';

import type { GatewayRequest } from '../common/request-context';

/** Enough of an Express request for guards and filters: headers, id, Host and protocol. */
export function fakeRequest(
  options: { headers?: Record<string, string>; protocol?: string } = {},
): GatewayRequest {
  const headers = options.headers ?? {};
  return {
    id: 'req-42',
    headers,
    protocol: options.protocol ?? 'http',
    get: (name: string) => headers[name.toLowerCase()],
  } as unknown as GatewayRequest;
}

/** Records what a filter writes, the way Express would send it. */
export class FakeResponse {
  statusCode = 200;
  body: unknown;
  headersSent = false;
  readonly headers: Record<string, string | number> = {};

  setHeader(name: string, value: string | number): this {
    this.headers[name.toLowerCase()] = value;
    return this;
  }

  getHeader(name: string): string | number | undefined {
    return this.headers[name.toLowerCase()];
  }

  status(code: number): this {
    this.statusCode = code;
    return this;
  }

  json(body: unknown): this {
    this.body = body;
    this.headersSent = true;
    return this;
  }

  /** An answer written directly (status and headers set before): its JSON body, parsed back. */
  end(chunk?: string): this {
    this.body = chunk === undefined ? undefined : (JSON.parse(chunk) as unknown);
    this.headersSent = true;
    return this;
  }
}

/** The ExecutionContext Nest builds for an HTTP call to `handler` on `controller`. */
export function httpContext(
  request: GatewayRequest,
  controller: new (...args: never[]) => unknown = class {},
  handler: (...args: never[]) => unknown = () => undefined,
  response: FakeResponse = new FakeResponse(),
): ExecutionContextHost {
  return new ExecutionContextHost([request, response], controller as never, handler);
}
