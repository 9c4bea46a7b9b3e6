import { DynamicModule, Module } from '@nestjs/common';

import { EXAMPLE_TOOLS, IN_PROCESS_TOOLS } from './in-process-tools';

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
