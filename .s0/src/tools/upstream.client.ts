import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { createSecretKey, KeyObject, randomBytes } from 'node:crypto';
import { EnvHttpProxyAgent } from 'undici';

import { DeadlineTimers } from '../common/deadline-timers';
import { networkErrorReason } from '../common/network-error';
import { REQUEST_ID_HEADER } from '../common/request-context';
import { appConfig } from '../config/app.config';
import { toolsConfig } from '../config/tools.config';
import { proxyAwareAgent } from '../common/outbound-proxy';
import { GatewayMetrics } from '../observability/gateway-metrics';
import { signGatewayRequest } from './signature/gateway-signature';
import type { ToolCallContext, ToolDefinition } from './tool-definition';
import { ToolsErrorCode, ToolsException } from './tools.exception';

export interface UpstreamResponse {
  status: number;
  contentType: string;
  body: Buffer;
}

/**
 * The only way out to tool backends: undici with a keep-alive pool, a deadline per call, a bound on the
 * response size and the caller's identity in signed headers. The user's bearer token is forwarded only to
 * tools marked `forwardBearer`, which the catalog allows only for the provider's own API origins.
 */
@Injectable()
export class UpstreamClient implements OnModuleDestroy {
  private readonly logger = new Logger(UpstreamClient.name);
  private readonly agent: EnvHttpProxyAgent;
  private readonly deadlines = new DeadlineTimers();
  private readonly targets = new Map<string, { origin: string; path: string }>();
  private readonly secret: KeyObject;

  constructor(
    @Inject(toolsConfig.KEY) private readonly config: ConfigType<typeof toolsConfig>,
    @Inject(appConfig.KEY) app: ConfigType<typeof appConfig>,
    private readonly metrics: GatewayMetrics,
  ) {
    // Closed when the module is destroyed, which main.ts does only after the last request was answered.
    this.agent = proxyAwareAgent(app.proxy, { keepAliveTimeout: 10_000, connections: 128 });
    if (config.hmacSecret) {
      this.secret = createSecretKey(Buffer.from(config.hmacSecret, 'utf8'));
    } else {
      // Production refuses to start without a secret; elsewhere calls are signed with a throwaway one.
      this.secret = createSecretKey(Buffer.from(randomBytes(32).toString('hex'), 'utf8'));
      if (!app.production)
        this.logger.warn('GATEWAY_HMAC_SECRET is not set: backends cannot verify the identity headers');
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.agent.close();
  }

  async forward(
    tool: ToolDefinition,
    args: Record<string, unknown>,
    context: ToolCallContext,
  ): Promise<UpstreamResponse> {
    const { origin, path } = this.target(tool.upstreamUrl!);
    const body = JSON.stringify(args);
    const timeoutMs = tool.timeoutMs ?? this.config.upstreamTimeoutMs;
    // One controller for both ends of the call: the deadline and the caller going away.
    const abort = new AbortController();
    let timedOut = false;
    const cancelDeadline = this.deadlines.schedule(timeoutMs, () => {
      timedOut = true;
      abort.abort();
    });
    const caller = context.signal;
    const onCallerAbort = (): void => abort.abort();
    if (caller?.aborted) abort.abort();
    else caller?.addEventListener('abort', onCallerAbort, { once: true });
    const headers = signGatewayRequest({
      secret: this.secret,
      method: 'POST',
      path,
      sub: context.user.sub,
      scopes: context.user.scopes,
      clientId: context.user.clientId,
      body,
    });
    headers['content-type'] = 'application/json';
    headers.accept = 'application/json';
    headers[REQUEST_ID_HEADER] = context.requestId;
    const started = performance.now();
    // Only tools the catalog allowed (upstream origin in OAUTH_TOKEN_FORWARD_ORIGINS) see the token.
    if (tool.forwardBearer && context.accessToken) headers.authorization = `Bearer ${context.accessToken}`;
    try {
      const response = await this.agent.request({
        origin,
        path,
        method: 'POST',
        headers,
        body,
        signal: abort.signal,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        size += (chunk as Buffer).length;
        if (size > this.config.upstreamMaxResponseBytes) {
          response.body.destroy();
          throw new ToolsException(
            ToolsErrorCode.UPSTREAM_RESPONSE_TOO_LARGE,
            tool.name,
            `The backend of "${tool.name}" answered more than ${this.config.upstreamMaxResponseBytes} bytes`,
          );
        }
        chunks.push(chunk as Buffer);
      }
      const contentType = response.headers['content-type'];
      return {
        status: response.statusCode,
        contentType:
          (Array.isArray(contentType) ? contentType[0] : contentType) ?? 'application/octet-stream',
        body: Buffer.concat(chunks),
      };
    } catch (error) {
      if (error instanceof ToolsException) throw error;
      if (timedOut) {
        throw new ToolsException(
          ToolsErrorCode.UPSTREAM_TIMEOUT,
          tool.name,
          `The backend of "${tool.name}" did not answer within ${timeoutMs} ms`,
          {
            timeoutMs,
          },
        );
      }
      const reason = networkErrorReason(error);
      if (reason === 'UND_ERR_INVALID_ARG') {
        // undici refused the request the gateway built (a header value, say): the gateway's fault, not the
        // backend's, so a 500 with the request id rather than 502 upstream_unreachable.
        this.logger.error(
          `Request to the backend of ${tool.name} not sent: ${reason} (requestId=${context.requestId})`,
        );
        throw new Error(`The gateway could not build the request to the backend of "${tool.name}"`);
      }
      this.logger.warn(
        `Backend of ${tool.name} at ${origin} unreachable: ${reason} (requestId=${context.requestId})`,
      );
      throw new ToolsException(
        ToolsErrorCode.UPSTREAM_UNREACHABLE,
        tool.name,
        `The backend of "${tool.name}" is unreachable (${reason})`,
      );
    } finally {
      cancelDeadline();
      caller?.removeEventListener('abort', onCallerAbort);
      this.metrics.upstreamDuration.cell(tool.name).observe((performance.now() - started) / 1000);
    }
  }

  /** The origin and path (with query) of a backend URL, parsed once per URL. */
  private target(url: string): { origin: string; path: string } {
    let target = this.targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
      this.targets.set(url, target);
    }
    return target;
  }
}
