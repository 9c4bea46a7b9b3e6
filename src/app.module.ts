import { DynamicModule, MiddlewareConsumer, Module, NestModule, Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';

import { AuthModule } from './auth/auth.module';
import { DebugTokenModule } from './auth/debug-token.controller';
import { AccessLogMiddleware } from './common/access-log.middleware';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { GatewayConfigModule } from './config/config.module';
import { featureFlags } from './config/feature-flags';
import { DcrModule } from './dcr/dcr.module';
import { HealthModule } from './health/health.module';
import { ExampleToolsModule } from './tools/examples/example-tools.module';
import { ToolsModule } from './tools/tools.module';

@Module({
  imports: [GatewayConfigModule, AuthModule, ToolsModule, DcrModule, HealthModule],
  // Registered in the root module so it is the last global filter consulted: feature filters
  // (AuthExceptionFilter, ToolsExceptionFilter) answer their own exceptions first.
  providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
})
export class AppModule implements NestModule {
  /** The application with its optional modules, chosen from the environment as it is now. */
  static register(): DynamicModule {
    const flags = featureFlags();
    const optional: Type[] = [
      ...(flags.debugToken ? [DebugTokenModule] : []),
      ...(flags.exampleTools ? [ExampleToolsModule] : []),
    ];
    return { module: AppModule, imports: optional };
  }

  configure(consumer: MiddlewareConsumer): void {
    // Request ids are assigned earlier, in createGateway, so that body-parser errors carry one too.
    consumer.apply(AccessLogMiddleware).forRoutes('*path');
  }
}
