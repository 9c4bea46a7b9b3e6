import { Module } from '@nestjs/common';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';

import { AuthModule } from '../auth/auth.module';
import { McpController } from './mcp/mcp.controller';
import { McpService } from './mcp/mcp.service';
import { ToolCatalog } from './tool-catalog.service';
import { ToolInvoker } from './tool-invoker.service';
import { ToolsController } from './tools.controller';
import { ToolsExceptionFilter } from './tools-exception.filter';
import { UpstreamClient } from './upstream.client';

@Module({
  imports: [AuthModule, DiscoveryModule],
  controllers: [ToolsController, McpController],
  providers: [
    ToolCatalog,
    ToolInvoker,
    UpstreamClient,
    McpService,
    { provide: APP_FILTER, useClass: ToolsExceptionFilter },
  ],
  exports: [ToolCatalog, ToolInvoker, UpstreamClient],
})
export class ToolsModule {}
