import type { Type } from '@nestjs/common';

import type { GatewayConfig } from '../config/gateway-config';
import { ExampleToolsModule } from './examples/example-tools.module';

/**
 * The modules whose providers are in-process tools (ToolCatalog discovers them). The gateway and the
 * auth0:* CLIs load the same list, so the Action and the doctor see the scopes the gateway grants.
 */
export function toolModules(config: GatewayConfig): Type[] {
  return config.features.exampleTools ? [ExampleToolsModule] : [];
}
