import type { ArgumentsHost } from '@nestjs/common';
import type { Request, Response } from 'express';

import { requestIdOf } from './request-context';

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
  response.status(status).json({ ...body, requestId: requestIdOf(http.getRequest<Request>()) });
}
