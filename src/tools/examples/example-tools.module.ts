import { Module } from '@nestjs/common';

import { ClockTool } from './clock.tool';

/** Demo tools; loaded when EXAMPLE_TOOLS_ENABLED (on by default in local mode). */
@Module({ providers: [ClockTool] })
export class ExampleToolsModule {}
