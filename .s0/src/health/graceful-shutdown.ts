import type { Server, ServerResponse } from 'node:http';

import type { GatewayConfig } from '../config/gateway-config';

/** Time for an answer to be written once its backend call has ended, and for the process to exit. */
export const SHUTDOWN_MARGIN_MS = 5000;

export interface ShutdownPlan {
  /** Readiness is down and the gateway still serves (with `Connection: close`) this long after SIGTERM. */
  graceMs: number;
  /** After the grace period, in-flight requests may take this long before the process exits anyway. */
  drainMs: number;
}

/**
 * The longest a request can still run once the gateway stops accepting: the longest tool timeout (a tool's
 * own timeoutMs or UPSTREAM_TIMEOUT_MS) plus the margin. `terminationGracePeriodSeconds` must exceed
 * graceMs + drainMs, or the kubelet kills the pod before the last answer.
 */
export function shutdownPlan(config: GatewayConfig, toolTimeoutsMs: readonly number[] = []): ShutdownPlan {
  return {
    graceMs: config.app.shutdownGraceMs,
    drainMs: Math.max(config.tools.upstreamTimeoutMs, ...toolTimeoutsMs) + SHUTDOWN_MARGIN_MS,
  };
}

/**
 * Closes an HTTP server without resetting a request. Tracks the responses in flight so that, once
 * draining, each answer carries `Connection: close` (clients then open their next connection elsewhere),
 * and closes a connection only when it has no request on it. Idle keep-alive connections are left open
 * while draining: closing one races with a client that is sending on it.
 */
export class HttpDrain {
  private readonly inFlight = new Set<ServerResponse>();
  private draining = false;
  private stopping = false;

  constructor(private readonly server: Server) {
    server.prependListener('request', (_request, response: ServerResponse) => this.track(response));
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** From now on every answer closes its connection, including those of requests already running. */
  closeConnectionsAfterEachAnswer(): void {
    this.draining = true;
    for (const response of this.inFlight) closeAfter(response);
  }

  /**
   * Stops accepting connections and closes idle ones; resolves once every in-flight request has been
   * answered and its connection closed.
   */
  async stop(): Promise<void> {
    this.closeConnectionsAfterEachAnswer();
    this.stopping = true;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(response: ServerResponse): void {
    if (this.draining) closeAfter(response);
    this.inFlight.add(response);
    response.once('close', () => {
      this.inFlight.delete(response);
      // An answer whose headers left before draining kept its connection alive: close it once idle.
      if (this.stopping) setImmediate(() => this.server.closeIdleConnections());
    });
  }
}

function closeAfter(response: ServerResponse): void {
  if (!response.headersSent) response.setHeader('connection', 'close');
}
