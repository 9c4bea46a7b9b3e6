import { INestApplicationContext, Logger, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import { IssuerClient } from '../auth/issuer.client';
import { SigningKeyStore } from '../auth/signing-key.store';
import type { RawEnv } from '../config/env.util';
import { loadGatewayConfig } from '../config/gateway-config';
import { DcrReconciler } from '../dcr/dcr-reconciler';
import { DcrTarget } from '../dcr/dcr-target';
import { ManagementClient } from '../dcr/management.client';
import { PreparationQueue } from '../dcr/preparation.queue';
import { withInProcessScopes } from '../testing/tool.fixtures';
import { ToolCatalog } from '../tools/tool-catalog';
import { Auth0CliModule } from './auth0-cli.module';
import { TenantDoctor } from './tenant-doctor';

describe('Auth0CliModule', () => {
  let context: INestApplicationContext | undefined;

  const build = async (env: RawEnv): Promise<INestApplicationContext> => {
    context = await NestFactory.createApplicationContext(Auth0CliModule.register(loadGatewayConfig(env)), {
      logger: false,
    });
    return context;
  };
  const provides = (app: INestApplicationContext, type: Type): boolean => {
    try {
      app.get(type, { strict: false });
      return true;
    } catch {
      return false;
    }
  };

  beforeEach(() => jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined));

  afterEach(async () => {
    await context?.close();
    context = undefined;
    jest.restoreAllMocks();
  });

  it('holds the catalog, the Management client and the doctor, and no token verification or DCR runtime', async () => {
    const app = await build({
      NODE_ENV: 'test',
      OAUTH_ISSUER: 'https://tenant.example.auth0.com/',
      OAUTH_AUDIENCE: 'https://gateway.example.com/mcp',
      MGMT_DOMAIN: 'tenant.example.auth0.com',
      MGMT_CLIENT_ID: 'cli-client',
      MGMT_CLIENT_SECRET: 'a-long-enough-management-secret',
    });

    for (const type of [ToolCatalog, ManagementClient, DcrTarget, TenantDoctor])
      expect([type.name, provides(app, type)]).toEqual([type.name, true]);
    for (const type of [IssuerClient, SigningKeyStore, PreparationQueue, DcrReconciler])
      expect([type.name, provides(app, type)]).toEqual([type.name, false]);
    expect(app.get(ManagementClient).configured).toBe(true);
  });

  it('sees the scopes the gateway grants: the tool catalog’s, in-process tools included', async () => {
    const app = await build({
      NODE_ENV: 'test',
      OAUTH_AUDIENCE: 'https://gateway.example.com/mcp',
      FUNCTIONS_BASE: 'https://functions.internal/api',
      TOOL_SCOPES_JSON: JSON.stringify({ search_docs: ['docs:read'] }),
      EXAMPLE_TOOLS_ENABLED: 'true',
    });

    const target = app.get(DcrTarget);
    expect(target.audience).toBe('https://gateway.example.com/mcp');
    // search_docs from TOOL_SCOPES_JSON, current_time from the example tools module.
    expect(target.scopes).toEqual(withInProcessScopes(['docs:read', 'time:read']));
  });
});
