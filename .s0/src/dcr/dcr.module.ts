import { Inject, Logger, Module, OnModuleInit } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';

import { AuthModule } from '../auth/auth.module';
import { appConfig } from '../config/app.config';
import { dcrConfig } from '../config/dcr.config';
import { ClientPreparationService } from './client-preparation.service';
import { RedisModule } from '../redis/redis.module';
import { DcrCoordination } from './dcr-coordination';
import { DcrExceptionFilter } from './dcr-exception.filter';
import { DcrReconciler } from './dcr-reconciler';
import { DcrStatus } from './dcr-status';
import { DcrHealthIndicator } from './dcr.health';
import { LogWebhookController } from './log-webhook.controller';
import { ManagementModule } from './management.module';
import { PreparationQueue } from './preparation.queue';
import { TenantFacts } from './tenant-facts';
import { WebhookSecretGuard } from './webhook-secret.guard';

@Module({
  imports: [TerminusModule, AuthModule, ManagementModule, RedisModule],
  controllers: [LogWebhookController],
  providers: [
    TenantFacts,
    ClientPreparationService,
    PreparationQueue,
    DcrCoordination,
    DcrReconciler,
    DcrStatus,
    DcrHealthIndicator,
    WebhookSecretGuard,
    { provide: APP_FILTER, useClass: DcrExceptionFilter },
  ],
  exports: [DcrHealthIndicator],
})
export class DcrModule implements OnModuleInit {
  private readonly logger = new Logger(DcrModule.name);

  constructor(
    @Inject(dcrConfig.KEY) private readonly config: ConfigType<typeof dcrConfig>,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
  ) {}

  /** Says at start-up what the DCR automation will not do. */
  onModuleInit(): void {
    if (!this.config.webhookSecret) {
      this.logger.warn(
        'LOG_WEBHOOK_SECRET is not set: POST /auth0-log-webhook refuses every delivery (503 webhook_not_configured)',
      );
    }
    if (!this.config.managementConfigured) {
      // Optional (a default grant for third-party clients also works): a warning only once Auth0 is clearly in use.
      const say = this.app.production ? 'warn' : 'log';
      this.logger[say](
        'MGMT_DOMAIN/MGMT_CLIENT_ID/MGMT_CLIENT_SECRET are not set: DCR clients are not prepared by the gateway',
      );
    }
  }
}
