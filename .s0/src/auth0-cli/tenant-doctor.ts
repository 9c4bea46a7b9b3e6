import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import type { Management } from 'auth0';

import { LOG_WEBHOOK_PATHS } from '../common/routes';
import { appConfig } from '../config/app.config';
import { dcrConfig } from '../config/dcr.config';
import { DcrTarget } from '../dcr/dcr-target';
import { ManagementApiError, ManagementClient } from '../dcr/management.client';
import type { Auth0LogStream, Auth0TenantSettings } from '../dcr/management.types';
import { secretsEqual, WEBHOOK_SECRET_HEADER } from '../dcr/webhook-secret';

/** Management API scopes the gateway uses to prepare clients. */
export const PREPARATION_SCOPES = [
  'read:clients',
  'update:clients',
  'read:connections',
  'update:connections',
  'read:client_grants',
  'create:client_grants',
  'update:client_grants',
  'read:tenant_settings',
];
/** Extra scopes only `npm run auth0:doctor` reads with. */
export const DOCTOR_SCOPES = ['read:resource_servers', 'read:log_streams'];

const RBAC_DIALECTS = ['access_token_authz', 'rfc9068_profile_authz'];

export interface DoctorCheck {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  message: string;
  fix?: string;
}

/** Checks the tenant against what the gateway needs; one finding per line, each failure with its fix. */
@Injectable()
export class TenantDoctor {
  constructor(
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
    @Inject(dcrConfig.KEY) private readonly config: ConfigType<typeof dcrConfig>,
    private readonly management: ManagementClient,
    private readonly target: DcrTarget,
  ) {}

  async run(): Promise<DoctorCheck[]> {
    if (!this.management.configured) {
      return [
        fail(
          'management',
          'MGMT_DOMAIN, MGMT_CLIENT_ID and MGMT_CLIENT_SECRET are not set',
          'Create a Machine-to-Machine application authorized for the Auth0 Management API and set the three variables (docs/auth0/setup.md)',
        ),
      ];
    }
    const token = await this.management.checkToken();
    if (!token.ok) {
      return [
        fail(
          'management',
          `no Management API token: ${token.error ?? 'unknown error'}`,
          'Check MGMT_DOMAIN, MGMT_CLIENT_ID, MGMT_CLIENT_SECRET and that the application is authorized for the Management API',
        ),
      ];
    }
    const settings = await this.management.getTenantSettings().catch((error: unknown) => error as Error);
    return [
      this.managementScopes(token.scopes ?? []),
      ...(await this.api()),
      ...this.dcr(settings),
      this.audience(settings),
      ...(await this.connections(settings)),
      await this.logStream(),
    ];
  }

  private managementScopes(held: string[]): DoctorCheck {
    const missing = [...PREPARATION_SCOPES, ...DOCTOR_SCOPES].filter((scope) => !held.includes(scope));
    if (missing.length === 0)
      return ok('management scopes', 'the Management application holds every scope the gateway uses');
    const needed = missing.filter((scope) => PREPARATION_SCOPES.includes(scope));
    const make = needed.length > 0 ? fail : warn;
    return make(
      'management scopes',
      `missing ${missing.join(' ')}`,
      `Applications > APIs > Auth0 Management API > Machine to Machine Applications: grant ${missing.join(', ')} to ${this.config.mgmtClientId}`,
    );
  }

  private async api(): Promise<DoctorCheck[]> {
    const audience = this.target.audience;
    if (!audience)
      return [
        fail(
          'api',
          'OAUTH_AUDIENCE is not set',
          'Set OAUTH_AUDIENCE to the identifier of the Auth0 API that represents the gateway',
        ),
      ];
    const server = await this.management
      .getResourceServer(audience)
      .catch((error: unknown) => error as Error);
    if (server instanceof Error) return [unreadable('api', server, 'read:resource_servers')];
    if (!server) {
      return [
        fail(
          'api',
          `no API with identifier ${audience}`,
          `Applications > APIs > Create API with identifier ${audience} and signing algorithm RS256`,
        ),
      ];
    }
    const checks: DoctorCheck[] = [
      server.signing_alg === 'RS256'
        ? ok('api', `API ${audience} exists and signs with RS256`)
        : fail(
            'api',
            `API ${audience} signs with ${server.signing_alg ?? 'an unknown algorithm'}`,
            'API > Settings > Signing Algorithm: RS256 (the gateway refuses HS256)',
          ),
      server.enforce_policies === true && RBAC_DIALECTS.includes(String(server.token_dialect))
        ? ok('rbac', 'RBAC is on and permissions are added to the access token')
        : fail(
            'rbac',
            `RBAC ${server.enforce_policies ? 'on' : 'off'}, token dialect ${server.token_dialect ?? 'unset'}`,
            'API > Settings > RBAC Settings: Enable RBAC and "Add Permissions in the Access Token"',
          ),
    ];
    const defined = new Set((server.scopes ?? []).map((scope) => scope.value));
    const undefinedScopes = this.target.scopes.filter((scope) => !defined.has(scope));
    checks.push(
      undefinedScopes.length === 0
        ? ok('scopes', `the API defines every tool scope (${this.target.scopes.join(' ') || 'none'})`)
        : fail(
            'scopes',
            `the API does not define ${undefinedScopes.join(' ')}`,
            `API > Permissions: add ${undefinedScopes.join(', ')}`,
          ),
    );
    return checks;
  }

  private dcr(settings: Auth0TenantSettings | Error): DoctorCheck[] {
    if (settings instanceof Error) return [unreadable('dcr', settings, 'read:tenant_settings')];
    if (settings.flags?.enable_dynamic_client_registration !== true) {
      return [
        fail(
          'dcr',
          'Dynamic Client Registration is off',
          'Settings > Advanced > Dynamic Client Registration: on (ChatGPT registers itself)',
        ),
      ];
    }
    const tenantMode = settings.dynamic_client_registration_security_mode;
    const checks = [
      ok('dcr', `Dynamic Client Registration is on, mode ${tenantMode ?? 'not reported (clients decide)'}`),
    ];
    if (this.config.mode !== 'auto' && tenantMode && tenantMode !== this.config.mode) {
      checks.push(
        fail(
          'dcr mode',
          `DCR_MODE=${this.config.mode} but the tenant registers ${tenantMode} clients`,
          `Set DCR_MODE=auto (or ${tenantMode})`,
        ),
      );
    }
    return checks;
  }

  private audience(settings: Auth0TenantSettings | Error): DoctorCheck {
    if (settings instanceof Error) return unreadable('audience', settings, 'read:tenant_settings');
    const audience = this.target.audience;
    if (settings.resource_parameter_profile === 'compatibility') {
      return ok(
        'audience',
        'Resource Parameter Compatibility Profile is on: the `resource` parameter selects the API',
      );
    }
    if (audience && settings.default_audience === audience)
      return ok('audience', `the tenant's default audience is ${audience}`);
    return fail(
      'audience',
      `tokens without an audience would be encrypted (JWE): default audience is ${settings.default_audience || 'unset'} and the Resource Parameter Compatibility Profile is off`,
      `Settings > General > API Authorization Settings: Default Audience = ${audience}, or Settings > Advanced: Resource Parameter Compatibility Profile on`,
    );
  }

  private async connections(settings: Auth0TenantSettings | Error): Promise<DoctorCheck[]> {
    if (this.config.loginConnections.length === 0) {
      return [
        warn(
          'connection',
          'no login connection configured',
          'Set GOOGLE_CONNECTION_NAME (or LOGIN_CONNECTIONS) to the connection ChatGPT users log in with',
        ),
      ];
    }
    const strict =
      (settings instanceof Error ? undefined : settings.dynamic_client_registration_security_mode) !==
      'permissive';
    const checks: DoctorCheck[] = [];
    for (const name of this.config.loginConnections) {
      const connection = await this.management.findConnection(name).catch((error: unknown) => error as Error);
      if (connection instanceof Error)
        checks.push(unreadable(`connection ${name}`, connection, 'read:connections'));
      else if (!connection)
        checks.push(
          fail(
            `connection ${name}`,
            'does not exist',
            `Authentication: create the connection ${name} or fix GOOGLE_CONNECTION_NAME`,
          ),
        );
      else if (strict && connection.is_domain_connection !== true) {
        checks.push(
          fail(
            `connection ${name}`,
            'is not domain-level: third-party (strict DCR) clients cannot use it',
            `PATCH /api/v2/connections/${connection.id} {"is_domain_connection": true} (or promote it in the dashboard)`,
          ),
        );
      } else
        checks.push(
          ok(`connection ${name}`, connection.is_domain_connection ? 'exists and is domain-level' : 'exists'),
        );
    }
    return checks;
  }

  private async logStream(): Promise<DoctorCheck> {
    const endpoints = LOG_WEBHOOK_PATHS.map((path) => `${this.app.publicUrl}${path}`);
    const fix = `Monitoring > Streams > Custom Webhook: Payload URL ${endpoints[0]}, Authorization "Bearer <LOG_WEBHOOK_SECRET>"`;
    const streams = await this.management.listLogStreams().catch((error: unknown) => error as Error);
    if (streams instanceof Error) return unreadable('log stream', streams, 'read:log_streams');
    const stream = streams.find(
      (candidate) => candidate.type === 'http' && endpoints.includes(httpSink(candidate).httpEndpoint ?? ''),
    );
    if (!stream) return fail('log stream', `no HTTP log stream posts to ${endpoints[0]}`, fix);
    if (stream.status !== 'active')
      return fail(
        'log stream',
        `the stream "${stream.name}" is ${stream.status}`,
        'Monitoring > Streams: resume the stream',
      );
    if (!this.config.webhookSecret)
      return fail(
        'log stream',
        'LOG_WEBHOOK_SECRET is not set on the gateway: it refuses every delivery',
        fix,
      );
    if (!this.streamCarriesSecret(stream))
      return fail('log stream', `the stream "${stream.name}" does not send the gateway's secret`, fix);
    const filters = stream.filters ?? [];
    if (filters.length > 0 && !filters.some((filter) => filter.name === 'management.success')) {
      return fail(
        'log stream',
        `the stream "${stream.name}" filters out Management API successes (DCR events)`,
        'Monitoring > Streams > Filters: include "Management API - Success" or no filter',
      );
    }
    return ok('log stream', `"${stream.name}" posts to ${httpSink(stream).httpEndpoint} with the secret`);
  }

  /** Auth0 sends the Authorization header exactly as typed, so it must read "Bearer <secret>". */
  private streamCarriesSecret(stream: Auth0LogStream): boolean {
    const secret = this.config.webhookSecret!;
    const sink = httpSink(stream);
    const custom = (sink.httpCustomHeaders ?? []).find(
      (header) => header.header?.toLowerCase() === WEBHOOK_SECRET_HEADER,
    );
    return (
      (sink.httpAuthorization !== undefined && secretsEqual(sink.httpAuthorization, `Bearer ${secret}`)) ||
      (custom?.value !== undefined && secretsEqual(custom.value, secret))
    );
  }
}

function httpSink(stream: Auth0LogStream): Partial<Management.LogStreamHttpSink> {
  return stream.type === 'http' && stream.sink ? (stream.sink as Management.LogStreamHttpSink) : {};
}

function ok(name: string, message: string): DoctorCheck {
  return { name, status: 'ok', message };
}

function warn(name: string, message: string, fix: string): DoctorCheck {
  return { name, status: 'warn', message, fix };
}

function fail(name: string, message: string, fix: string): DoctorCheck {
  return { name, status: 'fail', message, fix };
}

function unreadable(name: string, error: Error, scope: string): DoctorCheck {
  const denied = error instanceof ManagementApiError && error.status === 403;
  return fail(
    name,
    `cannot read: ${error.message}`,
    denied ? `grant ${scope} to the Management application` : 'retry; check network access to the tenant',
  );
}

/** One line per check: status, name, finding and, when something is wrong, the fix. */
export function formatDoctorReport(checks: DoctorCheck[]): string {
  const width = Math.max(...checks.map((check) => check.name.length));
  return checks
    .map((check) => {
      const line = `${check.status.toUpperCase().padEnd(4)}  ${check.name.padEnd(width)}  ${check.message}`;
      return check.fix ? `${line} -> fix: ${check.fix}` : line;
    })
    .join('\n');
}
