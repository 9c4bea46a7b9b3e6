import { DynamicModule, Module } from '@nestjs/common';

import { GatewayConfigModule } from '../config/config.module';
import { GatewayConfig } from '../config/gateway-config';
import { ManagementModule } from '../dcr/management.module';
import { InProcessToolsModule } from '../tools/in-process-tools.module';
import { ToolCatalogModule } from '../tools/tool-catalog.module';
import { TenantDoctor } from './tenant-doctor';

/**
 * What the auth0:* CLIs need and nothing more: the configuration, the tool catalog (for the scopes) and
 * the Management API client. No HTTP server, no token verification (so the issuer's keys are never
 * fetched), no webhook queue and no reconciler.
 */
@Module({})
export class Auth0CliModule {
  static register(config: GatewayConfig): DynamicModule {
    return {
      module: Auth0CliModule,
      imports: [
        GatewayConfigModule.forRoot(config),
        ToolCatalogModule,
        ManagementModule,
        InProcessToolsModule.register(config.features),
      ],
      providers: [TenantDoctor],
    };
  }
}
