import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { appConfig } from '../config/app.config';

export interface AdminResponse {
  status: number;
  contentType: string;
  body: string;
}

export type AdminHandler = (request: IncomingMessage) => AdminResponse | Promise<AdminResponse>;

/**
 * The operator's port (METRICS_PORT on METRICS_HOST, loopback by default): /metrics and whatever
 * other modules register with `route()`. A plain node:http server outside Nest's pipeline, so it has no
 * guards, no body parsing and no access log, and is never reachable on the API port. Only GET/HEAD.
 */
@Injectable()
export class AdminServer implements OnApplicationShutdown {
  private readonly logger = new Logger(AdminServer.name);
  private readonly routes = new Map<string, AdminHandler>();
  private server?: Server;

  constructor(@Inject(appConfig.KEY) private readonly config: ConfigType<typeof appConfig>) {}

  /** Serves GET (and HEAD) `path`; register before or after listen(). */
  route(path: string, handler: AdminHandler): void {
    if (this.routes.has(path)) throw new Error(`Admin route ${path} is registered twice`);
    this.routes.set(path, handler);
  }

  /** Starts listening (METRICS_PORT / METRICS_HOST unless given); resolves with the port actually bound. */
  async listen(port = this.config.metricsPort, host = this.config.metricsHost): Promise<number> {
    if (this.server) return (this.server.address() as AddressInfo).port;
    const server = createServer((request, response) => {
      void this.answer(request).then((answer) => {
        response.writeHead(answer.status, {
          'content-type': answer.contentType,
          'cache-control': 'no-store',
          'content-length': Buffer.byteLength(answer.body),
        });
        response.end(request.method === 'HEAD' ? undefined : answer.body);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const bound = (server.address() as AddressInfo).port;
    this.logger.log(`Admin server (${[...this.routes.keys()].join(', ')}) on ${host}:${bound}`);
    return bound;
  }

  get port(): number | undefined {
    return this.server ? (this.server.address() as AddressInfo).port : undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async answer(request: IncomingMessage): Promise<AdminResponse> {
    const path = (request.url ?? '/').split('?')[0];
    const handler = this.routes.get(path);
    if (!handler) return json(404, { error: 'not_found', message: `No admin route ${path}` });
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return json(405, { error: 'method_not_allowed', message: 'Admin routes answer GET only' });
    }
    try {
      return await handler(request);
    } catch (error) {
      this.logger.error(`Admin route ${path} failed: ${(error as Error)?.name ?? 'error'}`);
      return json(500, { error: 'internal_error', message: `Admin route ${path} failed` });
    }
  }
}

export function json(status: number, body: unknown): AdminResponse {
  return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(body) };
}
