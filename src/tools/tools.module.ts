import { Module } from '@nestjs/common';
import { ConditionalModule } from '@nestjs/config';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';

import { AuthModule } from '../auth/auth.module';
import { ExampleToolsModule } from './examples/example-tools.module';
import { McpController } from './mcp/mcp.controller';
import { McpService } from './mcp/mcp.service';
import { ToolCatalog } from './tool-catalog.service';
import { ToolInvoker } from './tool-invoker.service';
import { ToolsController } from './tools.controller';
import { ToolsExceptionFilter } from './tools-exception.filter';
import { UpstreamClient } from './upstream.client';

@Module({
  imports: [
    AuthModule,
    DiscoveryModule,
    ConditionalModule.registerWhen(ExampleToolsModule, (env) => /^(1|true|yes|on)$/i.test(env.EXAMPLE_TOOLS_ENABLED ?? '')),
  ],
  controllers: [ToolsController, McpController],
  providers: [ToolCatalog, ToolInvoker, UpstreamClient, McpService, { provide: APP_FILTER, useClass: ToolsExceptionFilter }],
  exports: [ToolCatalog, ToolInvoker, UpstreamClient],
})
export class ToolsModule {}
