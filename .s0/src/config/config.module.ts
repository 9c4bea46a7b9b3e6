import { DynamicModule, Module, ValueProvider } from '@nestjs/common';

import { appConfig } from './app.config';
import { authConfig } from './auth.config';
import { dcrConfig } from './dcr.config';
import { GatewayConfig } from './gateway-config';
import { toolsConfig } from './tools.config';

/** The whole validated configuration, for the few places that need more than one section. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

/** Serves an already validated configuration under the four section keys (appConfig.KEY, ...). */
@Module({})
export class GatewayConfigModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const providers: ValueProvider[] = [
      { provide: GATEWAY_CONFIG, useValue: config },
      { provide: appConfig.KEY, useValue: config.app },
      { provide: authConfig.KEY, useValue: config.auth },
      { provide: toolsConfig.KEY, useValue: config.tools },
      { provide: dcrConfig.KEY, useValue: config.dcr },
    ];
    return {
      module: GatewayConfigModule,
      global: true,
      providers,
      exports: providers.map((provider) => provider.provide),
    };
  }
}
