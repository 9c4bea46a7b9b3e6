import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import type { Request } from 'express';

import { dcrConfig } from '../config/dcr.config';
import { DcrErrorCode, DcrException } from './dcr.exception';
import { verifyWebhookSecret } from './webhook-secret';

/** Admits a log-stream delivery only with the shared secret; see verifyWebhookSecret. */
@Injectable()
export class WebhookSecretGuard implements CanActivate {
  constructor(@Inject(dcrConfig.KEY) private readonly config: ConfigType<typeof dcrConfig>) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    switch (verifyWebhookSecret(request.headers, this.config.webhookSecret)) {
      case 'ok':
        return true;
      case 'not-configured':
        throw new DcrException(
          DcrErrorCode.WEBHOOK_NOT_CONFIGURED,
          'The log webhook is disabled: LOG_WEBHOOK_SECRET is not configured on the gateway, so every delivery is refused',
        );
      case 'missing':
        throw new DcrException(
          DcrErrorCode.WEBHOOK_SECRET_MISSING,
          'No webhook secret: send "Authorization: Bearer <LOG_WEBHOOK_SECRET>" or "X-Webhook-Secret"',
        );
      case 'wrong':
        throw new DcrException(DcrErrorCode.WEBHOOK_SECRET_WRONG, 'The webhook secret is wrong');
    }
  }
}
