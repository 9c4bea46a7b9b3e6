import { AuthEnv } from './auth.config';
import { parseEnv, RawEnv } from './env.util';
import { ToolsEnv } from './tools.config';

export interface FeatureFlags {
  debugToken: boolean;
  exampleTools: boolean;
}

/**
 * Which optional modules to mount. Read when the application module is built (not when files are
 * imported), so local mode and tests can set the environment first. Invalid values count as off;
 * validation reports them when the configuration loads.
 */
export function featureFlags(env: RawEnv = process.env): FeatureFlags {
  return {
    debugToken: parseEnv(AuthEnv, env).value.DEBUG_TOKEN_ENABLED === true,
    exampleTools: parseEnv(ToolsEnv, env).value.EXAMPLE_TOOLS_ENABLED === true,
  };
}
