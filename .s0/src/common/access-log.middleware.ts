import { Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

import { logLevelEnabled, LogLevelName } from '../config/app.config';
import { GatewayMetrics } from '../observability/gateway-metrics';
import type { GatewayRequest, McpActivity } from './request-context';

const CONTEXT = 'Access';
/** The context of the `oauth_auth_summary` line (AuthSummaryLog builds it, this middleware writes it). */
const AUTH_CONTEXT = 'Auth';
/** Requests that matched no route share one label value, so unknown paths cannot grow the label set. */
const UNMATCHED_ROUTE = 'unmatched';

/**
 * One structured line per request: who, what, the auth outcome and the status. Never a token. Also
 * counts every request by route template (never the raw path) for /metrics, whatever the log level, and
 * writes the request's `oauth_auth_summary` (GatewayRequest.authSummary) after its line: one `finish`
 * listener per request serves all three. createGateway mounts `use` as plain Express middleware.
 */
export class AccessLogMiddleware implements NestMiddleware {
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

  readonly use = (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.once('finish', () => this.finished(req as GatewayRequest, res, started));
    next();
  };

  private finished(request: GatewayRequest, res: Response, started: number): void {
    const elapsedMs = performance.now() - started;
    const route: string = request.route?.path ?? UNMATCHED_ROUTE;
    const status = res.statusCode;
    this.metrics.httpRequests.cell(route, request.method, status).inc();
    this.metrics.httpDuration.cell(route, request.method, status).observe(elapsedMs / 1000);
    if (this.enabled) this.accessLine(request, status, elapsedMs);
    const summary = request.authSummary?.(status);
    if (summary) this.write('log', AUTH_CONTEXT, summary);
  }

  private accessLine(request: GatewayRequest, status: number, elapsedMs: number): void {
    const path = request.path;
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
    // guarding against huge or circular values that these flat records of strings and numbers cannot hold).
    const record = { level, pid: process.pid, timestamp: Date.now(), message, context };
    process.stdout.write(`${JSON.stringify(record)}\n`);
  }
}

function mcpOutcome(activity: McpActivity): 'ok' | 'failure' {
  return activity.tools.every((tool) => tool.outcome === 'ok') ? 'ok' : 'failure';
}
