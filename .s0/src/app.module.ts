import { DynamicModule, Module, Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';

import { AuthModule } from './auth/auth.module';
import { DebugTokenModule } from './auth/debug-token.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { GatewayConfigModule } from './config/config.module';
import { GatewayConfig } from './config/gateway-config';
import { DcrModule } from './dcr/dcr.module';
import { HealthModule } from './health/health.module';
import { ObservabilityModule } from './observability/observability.module';
import { InProcessToolsModule } from './tools/in-process-tools.module';
import { ToolsModule } from './tools/tools.module';

@Module({
  // Registered in the root module so it is the last global filter consulted: feature filters
  // (AuthExceptionFilter, ToolsExceptionFilter) answer their own exceptions first.
  providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
})
export class AppModule {
  /** The application built from one validated configuration, with the optional modules it asks for. */
  static register(config: GatewayConfig, extra: DynamicModule[] = []): DynamicModule {
    const optional: Type[] = config.features.debugToken ? [DebugTokenModule] : [];
    return {
      module: AppModule,
      imports: [
        GatewayConfigModule.forRoot(config),
        ObservabilityModule,
        AuthModule,
        ToolsModule,
        DcrModule,
        HealthModule,
        InProcessToolsModule.register(config.features),
        ...optional,
        ...extra,
      ],
    };
  }
}
