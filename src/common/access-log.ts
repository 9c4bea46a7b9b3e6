import type { ServerResponse } from 'node:http';

import { Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { logLevelEnabled, LogLevelName } from '../config/app.config';
import { GatewayMetrics } from '../observability/gateway-metrics';
import { GatewayRequest, McpActivity, pathOf } from './request-context';
import { stdoutLines } from './stdout-lines';

const CONTEXT = 'Access';
/** The context of the `oauth_auth_summary` line (AuthSummaryLog builds it, AccessLog writes it). */
const AUTH_CONTEXT = 'Auth';
/** Requests that matched no route share one label value, so unknown paths cannot grow the label set. */
const UNMATCHED_ROUTE = 'unmatched';

/**
 * One structured line per request: who, what, the auth outcome and the status. Never a token. Also
 * counts every request by route template (never the raw path) for /metrics, whatever the log level, and
 * writes the request's `oauth_auth_summary` (GatewayRequest.authSummary) after its line: one `finish`
 * listener per request serves all three. createGateway calls `track` from its first `onRequest` hook, and for
 * requests the router refuses before any hook runs.
 */
export class AccessLog {
  private readonly loggers = { [CONTEXT]: new Logger(CONTEXT), [AUTH_CONTEXT]: new Logger(AUTH_CONTEXT) };
  /** The line is logged at `log`; below that level it is never built. */
  private readonly enabled: boolean;

  /** `json`: the application logs JSON lines (ConsoleLogger's `json` option). */
  constructor(
    logLevel: LogLevelName,
    private readonly json: boolean,
    private readonly metrics: GatewayMetrics,
  ) {
    this.enabled = logLevelEnabled(logLevel, 'log');
  }

  /** Starts timing `request`; its line is written, and it is counted, once its answer is sent. */
  track(request: FastifyRequest, reply: FastifyReply): void {
    const started = performance.now();
    // On the raw response: answers written by the MCP SDK, past Fastify's reply, are counted too.
    reply.raw.once('finish', () => this.finished(request, reply.raw, started));
  }

  private finished(request: GatewayRequest, res: ServerResponse, started: number): void {
    const elapsedMs = performance.now() - started;
    const route = (request.is404 ? undefined : request.routeOptions.url) ?? UNMATCHED_ROUTE;
    const status = res.statusCode;
    this.metrics.httpRequests.cell(route, request.method, status).inc();
    this.metrics.httpDuration.cell(route, request.method, status).observe(elapsedMs / 1000);
    if (this.enabled) this.accessLine(request, status, elapsedMs);
    const summary = request.authSummary?.(status);
    if (summary) this.write('log', AUTH_CONTEXT, summary);
  }

  private accessLine(request: GatewayRequest, status: number, elapsedMs: number): void {
    const path = pathOf(request);
    if (path.startsWith('/health')) return;
    const line = {
      msg: 'request',
      requestId: request.id,
      method: request.method,
      path,
      status,
      durationMs: Math.round(elapsedMs * 1000) / 1000,
      sub: request.user?.sub,
      clientId: request.user?.clientId,
      auth: request.authOutcome ?? (request.user ? 'ok' : 'none'),
      ...(request.mcp ? { mcp: { ...request.mcp, outcome: mcpOutcome(request.mcp) } } : {}),
    };
    // A tool result with isError is an HTTP 200 all the same: the line says it failed, at warn level.
    this.write(line.mcp?.outcome === 'failure' ? 'warn' : 'log', CONTEXT, line);
  }

  private write(level: 'log' | 'warn', context: keyof typeof this.loggers, message: object): void {
    if (!this.json) return this.loggers[context][level](message);
    // The line ConsoleLogger's JSON mode prints, without its generic path (a replacer call per key,
    // guarding against huge or circular values that these flat records of strings and numbers cannot hold),
    // written with the other lines of this turn.
    const record = { level, pid: process.pid, timestamp: Date.now(), message, context };
    stdoutLines.write(`${JSON.stringify(record)}\n`);
  }
}

function mcpOutcome(activity: McpActivity): 'ok' | 'failure' {
  return activity.tools.every((tool) => tool.outcome === 'ok') ? 'ok' : 'failure';
}
