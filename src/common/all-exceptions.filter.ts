import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

import { ErrorBody, sendError, writeJson } from './error-body';
import { GatewayRequest, pathOf } from './request-context';

const STATUS_ERRORS: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  500: 'internal_error',
  502: 'bad_gateway',
  503: 'service_unavailable',
  504: 'gateway_timeout',
};

/**
 * Last resort: every error becomes JSON with a request id. Unknown errors become a bare 500;
 * neither the body nor the log carries a stack trace or the error's raw text.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<GatewayRequest>();
    const { status, body } = toErrorResponse(exception, req.id);
    if (status >= 500 && !(exception instanceof HttpException)) {
      // Class name only: an unexpected error's text may hold data that must not reach the logs.
      const name = exception instanceof Error ? exception.name : typeof exception;
      this.logger.error(`${req.method} ${pathOf(req)} failed: ${name} (requestId=${body.requestId})`);
    }
    sendError(host, status, body);
  }
}

const ROUTER_REFUSALS: Record<string, HttpException> = {
  FST_ERR_BAD_URL: new HttpException('The request could not be read', HttpStatus.BAD_REQUEST),
  FST_ERR_MAX_PARAM_LENGTH: new HttpException('The request path is too long', HttpStatus.URI_TOO_LONG),
};

/**
 * Fastify's `frameworkErrors`: a request the router refuses before any route or hook runs (a path that is
 * not valid percent-encoding, a path parameter over the bound) is answered in the gateway's error shape,
 * with fixed text (Fastify's message quotes the path). Anything else the router reports is an internal error.
 */
export function answerFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const { status, body } = toErrorResponse(ROUTER_REFUSALS[error.code] ?? error, request.id);
  writeJson(reply, status, body);
}

export function toErrorResponse(exception: unknown, requestId: string): { status: number; body: ErrorBody } {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : Array.isArray((response as { message?: unknown }).message)
          ? ((response as { message: string[] }).message.join('; ') as string)
          : String((response as { message?: unknown }).message ?? exception.message);
    const extra = typeof response === 'object' && response !== null ? pickExtra(response) : {};
    return { status, body: { error: STATUS_ERRORS[status] ?? 'error', message, requestId, ...extra } };
  }
  return {
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    body: {
      error: 'internal_error',
      message: 'Internal error; quote the request id when reporting it',
      requestId,
    },
  };
}

function pickExtra(response: object): Record<string, unknown> {
  const {
    message: _message,
    statusCode: _status,
    error: _error,
    ...rest
  } = response as Record<string, unknown>;
  return rest;
}
