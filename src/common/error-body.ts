import type { ArgumentsHost } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import type { GatewayRequest } from './request-context';

/** The JSON body of every error the gateway answers. */
export interface ErrorBody {
  error: string;
  message: string;
  requestId: string;
  code?: string;
  hint?: string;
  [extra: string]: unknown;
}

/**
 * Answers an error body, its request id last, as every filter does; writes nothing once the answer
 * has started (an SDK or a stream may have sent it already).
 */
export function sendError(host: ArgumentsHost, status: number, body: Omit<ErrorBody, 'requestId'>): void {
  const http = host.switchToHttp();
  const reply = http.getResponse<FastifyReply>();
  if (reply.sent || reply.raw.headersSent) return;
  const request = http.getRequest<GatewayRequest>();
  const full = { ...body, requestId: request.id };
  if (!request.shapeErrorBody) return writeJson(reply, status, full);
  const challenge = reply.getHeader('www-authenticate');
  writeJson(
    reply,
    status,
    request.shapeErrorBody(full, typeof challenge === 'string' ? challenge : undefined),
  );
}

/** The JSON answer of an error: serialised here, so that Fastify sends the bytes as they are. */
export function writeJson(reply: FastifyReply, status: number, body: unknown): void {
  void reply
    .code(status)
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify(body));
}
