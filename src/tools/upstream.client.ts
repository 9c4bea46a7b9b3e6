import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';

import { appConfig } from '../config/app.config';
import { toolsConfig } from '../config/tools.config';
import { networkErrorReason } from '../common/decode';
import { REQUEST_ID_HEADER } from '../common/request-context';
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
 * response size and the caller's identity in signed headers. The user's bearer token is never forwarded.
 */
@Injectable()
export class UpstreamClient implements OnModuleDestroy {
  private readonly logger = new Logger(UpstreamClient.name);
  private readonly agent = new Agent({ keepAliveTimeout: 10_000, connections: 128 });
  private readonly secret: string;

  constructor(
    @Inject(toolsConfig.KEY) private readonly config: ConfigType<typeof toolsConfig>,
    @Inject(appConfig.KEY) app: ConfigType<typeof appConfig>,
  ) {
    if (config.hmacSecret) {
      this.secret = config.hmacSecret;
    } else {
      // Production refuses to start without a secret; elsewhere calls are signed with a throwaway one.
      this.secret = randomBytes(32).toString('hex');
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
    const url = new URL(tool.upstreamUrl!);
    const body = JSON.stringify(args);
    const timeoutMs = tool.timeoutMs ?? this.config.upstreamTimeoutMs;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = context.signal ? AbortSignal.any([deadline, context.signal]) : deadline;
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      [REQUEST_ID_HEADER]: context.requestId,
      ...signGatewayRequest({
        secret: this.secret,
        method: 'POST',
        path: `${url.pathname}${url.search}`,
        sub: context.user.sub,
        scopes: context.user.scopes,
        clientId: context.user.clientId,
        body,
      }),
    };
    try {
      const response = await request(url, { method: 'POST', headers, body, signal, dispatcher: this.agent });
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
      if (deadline.aborted) {
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
      this.logger.warn(
        `Backend of ${tool.name} at ${url.origin} unreachable: ${reason} (requestId=${context.requestId})`,
      );
      throw new ToolsException(
        ToolsErrorCode.UPSTREAM_UNREACHABLE,
        tool.name,
        `The backend of "${tool.name}" is unreachable (${reason})`,
      );
    }
  }
}
