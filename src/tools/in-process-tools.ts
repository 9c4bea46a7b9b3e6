import { DynamicModule, Module, Type } from '@nestjs/common';

import { ClockTool } from './examples/clock.tool';

/**
 * The registry of in-process tools. Adding one: a provider class with @Tool + @RequireScopes methods in
 * its own file (src/tools/in-process/<name>.tool.ts), its spec, and one line in this list.
 */
export const IN_PROCESS_TOOLS: Type[] = [];

/** Demo tools, served only when EXAMPLE_TOOLS_ENABLED (on in local mode). */
export const EXAMPLE_TOOLS: Type[] = [ClockTool];

/**
 * Hosts the registered tool providers; the catalog finds their @Tool methods when the gateway starts. The
 * gateway and the auth0:* CLIs load the same list, so the Action and the doctor see the scopes the gateway
 * grants. Tool providers may inject the configuration (global); the module imports nothing else, so that the
 * CLIs stay free of token verification.
 */
@Module({})
export class InProcessToolsModule {
  static register(options: { exampleTools: boolean }): DynamicModule {
    const providers = [...IN_PROCESS_TOOLS, ...(options.exampleTools ? EXAMPLE_TOOLS : [])];
    return { module: InProcessToolsModule, providers };
  }
}
