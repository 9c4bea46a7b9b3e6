import type { ArgumentsHost } from '@nestjs/common';
import type { Request, Response } from 'express';

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
  const request = http.getRequest<Request>() as Partial<GatewayRequest>;
  const full = { ...body, requestId: requestIdOf(request as Request) };
  if (!request.shapeErrorBody) {
    response.status(status).json(full);
    return;
  }
  const challenge = response.getHeader('www-authenticate');
  response
    .status(status)
    .json(request.shapeErrorBody(full, typeof challenge === 'string' ? challenge : undefined));
}
