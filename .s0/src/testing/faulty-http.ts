import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * How a misbehaving peer answers: `stall` sends headers and the start of a JSON body, then goes silent;
 * `trickle` sends one byte every 200 ms forever; `huge` streams ~560 MiB without Content-Length, and
 * `huge-declared` announces it in Content-Length; `garbage` is 200 with a body that is not JSON;
 * `error-status` is a 500; `reset` destroys the connection before answering.
 */
export type HttpFault = 'stall' | 'trickle' | 'huge' | 'huge-declared' | 'garbage' | 'error-status' | 'reset';

export const HTTP_FAULTS: readonly HttpFault[] = [
  'stall',
  'trickle',
  'huge',
  'huge-declared',
  'garbage',
  'error-status',
  'reset',
];

const HUGE_BYTES = 560 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x20);

/** Answers `res` the way `fault` describes; nothing large is ever held in memory. */
export function serveFault(req: IncomingMessage, res: ServerResponse, fault: HttpFault): void {
  switch (fault) {
    case 'stall':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":[{"kty":"RSA",');
      return;
    case 'trickle': {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 200);
      res.on('close', () => clearInterval(timer));
      return;
    }
    case 'huge':
    case 'huge-declared': {
      res.writeHead(200, {
        'content-type': 'application/json',
        ...(fault === 'huge-declared' ? { 'content-length': String(HUGE_BYTES) } : {}),
      });
      let sent = 0;
      const pump = (): void => {
        while (sent < HUGE_BYTES && !res.destroyed) {
          sent += CHUNK.length;
          if (!res.write(CHUNK)) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      pump();
      return;
    }
    case 'garbage':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('not json {');
      return;
    case 'error-status':
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
      return;
    case 'reset':
      req.socket.destroy();
      return;
  }
}

/** A loopback HTTP server; `stop()` also ends the connections a fault left open. */
export class FaultyHttpServer {
  url = '';
  requests = 0;
  private server?: Server;

  constructor(private readonly handler: (req: IncomingMessage, res: ServerResponse) => void) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.requests += 1;
      this.handler(req, res);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

/** A URL on which nothing listens (the port was bound, then released). */
export async function closedPortUrl(): Promise<string> {
  const server = await new FaultyHttpServer(() => undefined).start();
  await server.stop();
  return server.url;
}
