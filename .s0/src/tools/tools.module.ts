import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';

import { AuthModule } from '../auth/auth.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { McpController } from './mcp/mcp.controller';
import { McpEndpoint } from './mcp/mcp-endpoint';
import { McpService } from './mcp/mcp.service';
import { ToolCatalogModule } from './tool-catalog.module';
import { ToolInvoker } from './tool-invoker';
import { ToolsController } from './tools.controller';
import { ToolsExceptionFilter } from './tools-exception.filter';
import { UpstreamClient } from './upstream.client';

@Module({
  imports: [AuthModule, RateLimitModule, ToolCatalogModule],
  controllers: [ToolsController, McpController],
  providers: [
    ToolInvoker,
    UpstreamClient,
    McpService,
    McpEndpoint,
    { provide: APP_FILTER, useClass: ToolsExceptionFilter },
  ],
  exports: [ToolCatalogModule, ToolInvoker, UpstreamClient],
})
export class ToolsModule {}
