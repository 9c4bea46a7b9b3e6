import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';

import { ScopeRegistryModule } from '../auth/scope-registry.module';
import { ToolCatalog } from './tool-catalog';

/** The tool catalog without the routes that serve it: ToolsModule builds on it, the auth0:* CLIs read its scopes. */
@Module({
  imports: [DiscoveryModule, ScopeRegistryModule],
  providers: [ToolCatalog],
  exports: [ToolCatalog],
})
export class ToolCatalogModule {}
