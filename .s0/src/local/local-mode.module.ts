import {
  DynamicModule,
  Inject,
  Logger,
  MiddlewareConsumer,
  Module,
  NestModule,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

import { explainPortInUse } from '../common/port-in-use';
import { MCP_PATH, PRM_PATH } from '../common/routes';
import { RawEnv } from '../config/env.util';
import { DEMO_TOOLS_FILE, generateLocalSecret, LocalModeSettings } from '../config/local.config';
import { DemoBackend, startDemoBackend } from './demo-backend';
import { DevIssuerModule } from './dev-issuer.module';

const LOCAL_MODE_SETTINGS = Symbol('LOCAL_MODE_SETTINGS');

interface LocalModeRun extends LocalModeSettings {
  audience: string;
  secret: string;
  /** The gateway's client at the development issuer, for introspecting opaque tokens. */
  introspectionClient?: { id: string; secret: string };
}

export interface LocalMode {
  /** The variables local mode provides; anything the user set explicitly wins over them. */
  variables: RawEnv;
  /** Starts the development issuer and the demo backend while the gateway initialises. */
  module: DynamicModule;
  announce(): void;
}

/**
 * Local mode: an embedded development issuer and demo backend on 127.0.0.1. main.ts uses it only when
 * NODE_ENV is not production and no OAUTH_ISSUER is set.
 */
export function prepareLocalMode(settings: LocalModeSettings): LocalMode {
  const run: LocalModeRun = {
    ...settings,
    audience: `${settings.publicUrl}/mcp`,
    secret: generateLocalSecret(),
    introspectionClient:
      settings.tokenFormat === 'opaque'
        ? { id: 'connector-gateway-local', secret: generateLocalSecret() }
        : undefined,
  };
  const issuer = `http://127.0.0.1:${settings.issuerPort}`;
  const backend = `http://127.0.0.1:${settings.backendPort}`;
  return {
    variables: {
      OAUTH_ISSUER: issuer,
      OAUTH_AUDIENCE: run.audience,
      FUNCTIONS_BASE: backend,
      TOOLS_FILE: DEMO_TOOLS_FILE,
      GATEWAY_HMAC_SECRET: run.secret,
      EXAMPLE_TOOLS_ENABLED: 'true',
      DEBUG_TOKEN_ENABLED: 'true',
      // At a terminal there is no load balancer to wait for: Ctrl-C stops at once.
      SHUTDOWN_GRACE_MS: '0',
      ...(run.introspectionClient && {
        OAUTH_TOKEN_FORMATS: 'opaque',
        OAUTH_INTROSPECTION_CLIENT_ID: run.introspectionClient.id,
        OAUTH_INTROSPECTION_CLIENT_SECRET: run.introspectionClient.secret,
      }),
    },
    module: {
      module: LocalModeModule,
      imports: [
        DevIssuerModule.forCatalog({
          port: settings.issuerPort,
          audience: run.audience,
          tokenFormat: settings.tokenFormat,
          introspectionClient: run.introspectionClient,
        }),
      ],
      providers: [{ provide: LOCAL_MODE_SETTINGS, useValue: run }],
    },
    announce: () => announce(settings.publicUrl, issuer, backend, settings.tokenFormat),
  };
}

/** The demo backend of local mode; the development issuer comes from DevIssuerModule. */
@Module({})
export class LocalModeModule implements NestModule, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('LocalMode');
  private backend?: DemoBackend;
  private readonly otherHostsSeen = new Set<string>();

  constructor(@Inject(LOCAL_MODE_SETTINGS) private readonly run: LocalModeRun) {}

  async onModuleInit(): Promise<void> {
    this.backend = await explainPortInUse('DEMO_BACKEND_PORT', this.run.backendPort, () =>
      startDemoBackend(this.run.secret, this.run.backendPort),
    );
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(this.warnOnOtherHost).forRoutes(MCP_PATH, PRM_PATH, `${PRM_PATH}${MCP_PATH}`);
  }

  /**
   * MCP clients refuse protected-resource metadata whose resource is on another origin than the URL they
   * were given (localhost is not 127.0.0.1 to them), and the client's own error does not say what to change.
   */
  private readonly warnOnOtherHost = (request: Request, _response: Response, next: NextFunction): void => {
    const expected = new URL(this.run.publicUrl);
    const host = request.headers.host ?? '';
    // The Host header is the caller's: only a plain host[:port] goes into the log.
    if (host !== expected.host && /^[A-Za-z0-9.:[\]-]{1,100}$/.test(host) && !this.otherHostsSeen.has(host)) {
      this.otherHostsSeen.add(host);
      this.logger.warn(
        `A client reached the gateway as ${expected.protocol}//${host}, but the MCP URL is ${this.run.audience}: MCP clients refuse its metadata from another origin. Connect to ${this.run.audience}, or restart with PUBLIC_URL=${expected.protocol}//${host}.`,
      );
    }
    next();
  };

  async onApplicationShutdown(): Promise<void> {
    await this.backend?.stop();
  }
}

function announce(publicUrl: string, issuer: string, backend: string, tokenFormat: string): void {
  const logger = new Logger('LocalMode');
  const banner = [
    '',
    '================================================================================',
    ' LOCAL MODE: development issuer, demo tools, NO real authentication.',
    ' Any login_hint signs in without a password. Never expose this to a network.',
    ' Set OAUTH_ISSUER / OAUTH_AUDIENCE (or NODE_ENV=production) for real use.',
    '--------------------------------------------------------------------------------',
    ` MCP endpoint (connector URL):  ${publicUrl}/mcp   (use exactly this origin)`,
    ` Protected resource metadata:   ${publicUrl}/.well-known/oauth-protected-resource`,
    ` Development issuer:            ${issuer} (${tokenFormat === 'opaque' ? 'opaque access tokens, introspected' : 'JWT access tokens'})`,
    ` Demo tool backend:             ${backend}`,
    ` Try:                           npm run demo:client`,
    ` A token for curl:              npm run -s token -- --scope "tools:read"`,
    '================================================================================',
  ];
  banner.forEach((line) => logger.warn(line));
}
