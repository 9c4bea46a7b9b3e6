import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

import type { GatewayRequest } from './request-context';

/** One structured line per request: who, what, the auth outcome and the status. Never a token. */
@Injectable()
export class AccessLogMiddleware implements NestMiddleware {
  private readonly logger = new Logger('Access');

  use(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const request = req as GatewayRequest;
      if (request.path.startsWith('/health')) return;
      this.logger.log({
        msg: 'request',
        requestId: request.id,
        method: request.method,
        path: request.path,
        status: res.statusCode,
        durationMs: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
        sub: request.user?.sub,
        clientId: request.user?.clientId,
        auth: request.authOutcome ?? (request.user ? 'ok' : 'none'),
      });
    });
    next();
  }
}
