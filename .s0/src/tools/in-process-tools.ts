import { Type } from '@nestjs/common';

import { ClockTool } from './examples/clock.tool';

/**
 * The registry of in-process tools. Adding one: a provider class with @Tool + @RequireScopes methods in
 * its own file (src/tools/in-process/<name>.tool.ts), its spec, and one line in this list.
 */
export const IN_PROCESS_TOOLS: Type[] = [];

/** Demo tools, served only when EXAMPLE_TOOLS_ENABLED (on in local mode). */
export const EXAMPLE_TOOLS: Type[] = [ClockTool];
