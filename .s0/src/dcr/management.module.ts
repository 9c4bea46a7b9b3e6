import { Module } from '@nestjs/common';

import { ScopeRegistryModule } from '../auth/scope-registry.module';
import { DcrTarget } from './dcr-target';
import { ManagementClient } from './management.client';

/**
 * The Management API client and what DCR clients are prepared for, shared by the runtime (DcrModule) and
 * the operator tools (Auth0CliModule).
 */
@Module({
  imports: [ScopeRegistryModule],
  providers: [ManagementClient, DcrTarget],
  exports: [ManagementClient, DcrTarget],
})
export class ManagementModule {}
