import type { ArgumentsHost } from '@nestjs/common';
import type { Response } from 'express';

import { GatewayRequest, requestIdOf } from './request-context';

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
  const response = http.getResponse<Response>();
  if (response.headersSent) return;
  const request = http.getRequest<GatewayRequest>();
  const full = { ...body, requestId: requestIdOf(request) };
  if (!request.shapeErrorBody) return writeJson(response, status, full);
  const challenge = response.getHeader('www-authenticate');
  writeJson(
    response,
    status,
    request.shapeErrorBody(full, typeof challenge === 'string' ? challenge : undefined),
  );
}

/**
 * What Express's `res.status(status).json(body)` writes, without what an error answer does not need: an
 * ETag (a SHA-1 of the body), the content-type parse and charset handling of `res.send`.
 */
function writeJson(response: Response, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Content-Length', Buffer.byteLength(json));
  response.end(json);
}
