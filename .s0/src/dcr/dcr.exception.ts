import { HttpStatus } from '@nestjs/common';

import { ErrorTable, TableException } from '../common/error-table';

export enum DcrErrorCode {
  WEBHOOK_NOT_CONFIGURED = 'WEBHOOK_NOT_CONFIGURED',
  WEBHOOK_SECRET_MISSING = 'WEBHOOK_SECRET_MISSING',
  WEBHOOK_SECRET_WRONG = 'WEBHOOK_SECRET_WRONG',
  WEBHOOK_BODY_UNPARSABLE = 'WEBHOOK_BODY_UNPARSABLE',
}

/** Status, error and fix of each code (docs/troubleshooting.md explains each). */
export const DCR_ERRORS: ErrorTable<DcrErrorCode> = {
  [DcrErrorCode.WEBHOOK_NOT_CONFIGURED]: {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    error: 'webhook_not_configured',
    hint: 'Set LOG_WEBHOOK_SECRET on the gateway (openssl rand -hex 24) and the same value in the Auth0 log stream (see docs/auth0/dcr-log-webhook.md).',
  },
  [DcrErrorCode.WEBHOOK_SECRET_MISSING]: {
    status: HttpStatus.UNAUTHORIZED,
    error: 'unauthorized',
    hint: 'In the Auth0 log stream settings set the Authorization header to "Bearer <LOG_WEBHOOK_SECRET>" (typed exactly so), or send X-Webhook-Secret.',
  },
  [DcrErrorCode.WEBHOOK_SECRET_WRONG]: {
    status: HttpStatus.FORBIDDEN,
    error: 'forbidden',
    hint: 'The secret does not match LOG_WEBHOOK_SECRET: copy the same value into the log stream\'s Authorization header ("Bearer <secret>").',
  },
  [DcrErrorCode.WEBHOOK_BODY_UNPARSABLE]: {
    status: HttpStatus.BAD_REQUEST,
    error: 'invalid_request',
    hint: "Set the log stream's content format to JSON (array, lines or object); a delivery with at least one JSON record is accepted.",
  },
};

/** A refused log-webhook delivery; DcrExceptionFilter maps it to HTTP. */
export class DcrException extends TableException<DcrErrorCode> {
  constructor(code: DcrErrorCode, message: string) {
    super(code, message, DCR_ERRORS);
    this.name = 'DcrException';
  }
}
