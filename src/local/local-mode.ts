import { Logger } from '@nestjs/common';

import {
  applyLocalModeEnvironment,
  DEMO_TOOLS_FILE,
  generateLocalSecret,
  localModeSettings,
} from '../config/local-mode';
import { startDemoBackend } from './demo-backend';
import { launchDevIssuer } from './dev-issuer.launcher';

export interface LocalMode {
  announce(): void;
  stop(): Promise<void>;
}

export const LOCAL_SCOPES = ['tools:read', 'notes:read', 'notes:write', 'time:read'];

/**
 * Starts the development issuer and the demo backend on 127.0.0.1 and points the gateway at them.
 * Only reachable from main.ts when NODE_ENV is not production and no OAUTH_ISSUER is set.
 */
export async function startLocalMode(): Promise<LocalMode> {
  const logger = new Logger('LocalMode');
  const settings = localModeSettings();
  const audience = `${settings.publicUrl}/mcp`;
  const secret = generateLocalSecret();
  const issuer = await launchDevIssuer({ port: settings.issuerPort, audience, scopes: LOCAL_SCOPES });
  const backend = await startDemoBackend(secret, settings.backendPort);
  applyLocalModeEnvironment({
    OAUTH_ISSUER: issuer.issuer,
    OAUTH_AUDIENCE: audience,
    FUNCTIONS_BASE: backend.url,
    TOOLS_FILE: DEMO_TOOLS_FILE,
    GATEWAY_HMAC_SECRET: secret,
    EXAMPLE_TOOLS_ENABLED: 'true',
    DEBUG_TOKEN_ENABLED: 'true',
    SHUTDOWN_GRACE_MS: '0',
  });
  return {
    announce: () => {
      const banner = [
        '',
        '================================================================================',
        ' LOCAL MODE: development issuer, demo tools, NO real authentication.',
        ' Any login_hint signs in without a password. Never expose this to a network.',
        ' Set OAUTH_ISSUER / OAUTH_AUDIENCE (or NODE_ENV=production) for real use.',
        '--------------------------------------------------------------------------------',
        ` MCP endpoint (connector URL):  ${settings.publicUrl}/mcp`,
        ` Protected resource metadata:   ${settings.publicUrl}/.well-known/oauth-protected-resource`,
        ` Development issuer:            ${issuer.issuer}`,
        ` Demo tool backend:             ${backend.url}`,
        ` Try:                           npm run demo:client`,
        '================================================================================',
      ];
      banner.forEach((line) => logger.warn(line));
    },
    stop: async () => {
      await backend.stop();
      await issuer.stop();
    },
  };
}
