import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';

import { AuthModule } from './auth/auth.module';
import { AccessLogMiddleware } from './common/access-log.middleware';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { GatewayConfigModule } from './config/config.module';
import { DcrModule } from './dcr/dcr.module';
import { HealthModule } from './health/health.module';
import { ToolsModule } from './tools/tools.module';

@Module({
  imports: [GatewayConfigModule, AuthModule, ToolsModule, DcrModule, HealthModule],
  // Registered in the root module so it is the last global filter consulted: feature filters
  // (AuthExceptionFilter, ToolsExceptionFilter) answer their own exceptions first.
  providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // Request ids are assigned earlier, in createGateway, so that body-parser errors carry one too.
    consumer.apply(AccessLogMiddleware).forRoutes('*path');
  }
}
