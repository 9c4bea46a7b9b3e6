import type { FastifyReply } from 'fastify';

import { bearerToken } from '../auth/guards/jwt-auth.guard';
import type { AuthenticatedUser } from '../common/authenticated-user';
import type { GatewayRequest } from '../common/request-context';
import { ANONYMOUS, ToolCallContext } from './tool-definition';

/**
 * The context of the tool calls of one request, REST or MCP: the verified caller (`user`, absent when the
 * route let a request without a token through) or `ANONYMOUS` with the address that rate-limits it.
 */
export function toolCallContext(
  request: GatewayRequest,
  user: AuthenticatedUser | undefined,
  signal: AbortSignal,
): ToolCallContext {
  return {
    user: user ?? ANONYMOUS,
    requestId: request.id,
    signal,
    accessToken: user ? bearerToken(request) : undefined,
    clientIp: user ? undefined : request.ip,
  };
}

/**
 * Aborts `abort` when the caller goes away before the answer is written, so a backend call stops with it.
 * The reply's 'close', not the request's: the request closes as soon as its body has been read.
 */
export function abortWhenCallerLeaves(reply: FastifyReply, abort: AbortController): void {
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) abort.abort();
  });
}
