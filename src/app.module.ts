import { DynamicModule, MiddlewareConsumer, Module, NestModule, Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';

import { AuthModule } from './auth/auth.module';
import { DebugTokenModule } from './auth/debug-token.controller';
import { AccessLogMiddleware } from './common/access-log.middleware';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { GatewayConfigModule } from './config/config.module';
import { GatewayConfig } from './config/gateway-config';
import { DcrModule } from './dcr/dcr.module';
import { HealthModule } from './health/health.module';
import { ExampleToolsModule } from './tools/examples/example-tools.module';
import { ToolsModule } from './tools/tools.module';

@Module({
  // Registered in the root module so it is the last global filter consulted: feature filters
  // (AuthExceptionFilter, ToolsExceptionFilter) answer their own exceptions first.
  providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
})
export class AppModule implements NestModule {
  /** The application built from one validated configuration, with the optional modules it asks for. */
  static register(config: GatewayConfig, extra: DynamicModule[] = []): DynamicModule {
    const optional: Type[] = [
      ...(config.features.debugToken ? [DebugTokenModule] : []),
      ...(config.features.exampleTools ? [ExampleToolsModule] : []),
    ];
    return {
      module: AppModule,
      imports: [
        GatewayConfigModule.forRoot(config),
        AuthModule,
        ToolsModule,
        DcrModule,
        HealthModule,
        ...optional,
        ...extra,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    // Request ids are assigned earlier, in createGateway, so that body-parser errors carry one too.
    consumer.apply(AccessLogMiddleware).forRoutes('*path');
  }
}
