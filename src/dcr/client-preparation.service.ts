import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { ScopeRegistry } from '../auth/scope.registry';
import { authConfig } from '../config/auth.config';
import { dcrConfig } from '../config/dcr.config';
import {
  AllowList,
  checkAllowList,
  clientPatch,
  missingScopes,
  resolveMode,
  TenantMode,
  TenantView,
} from './client-policy';
import { DcrStatus, PreparationResult } from './dcr-status';
import { ManagementClient } from './management.client';
import type { Auth0Client, Auth0Connection } from './management.types';

/** Tenant facts that change rarely (the DCR mode, connection ids) are re-read after this long. */
const TENANT_FACTS_TTL_MS = 5 * 60_000;

interface Cached<T> {
  value: T;
  at: number;
}

/**
 * Makes one DCR client usable: allowed fields for its mode, the login connections enabled, and one user
 * client grant for OAUTH_AUDIENCE with the gateway's scopes.
 *
 * Every step converges on a target state instead of applying a change, which is what makes deliveries
 * repeated by Auth0, the reconciler and several replicas safe: the client PATCH only carries fields that
 * differ and sets absolute values; PATCH /connections/{id}/clients sets `status: true`; Auth0 itself keeps
 * a client at one grant per audience (the second POST gets 409) and the follow-up PATCH writes
 * "scopes held ∪ scopes wanted", which never removes a scope and is the same whoever writes it.
 */
@Injectable()
export class ClientPreparationService {
  private readonly logger = new Logger(ClientPreparationService.name);
  private tenantModeCache?: Cached<TenantMode | undefined>;
  private readonly connections = new Map<string, Cached<Auth0Connection>>();

  constructor(
    @Inject(dcrConfig.KEY) private readonly config: ConfigType<typeof dcrConfig>,
    @Inject(authConfig.KEY) private readonly auth: ConfigType<typeof authConfig>,
    private readonly management: ManagementClient,
    private readonly scopeRegistry: ScopeRegistry,
    private readonly status: DcrStatus,
  ) {}

  get allowList(): AllowList {
    return {
      clientNamePattern: this.config.clientNamePattern,
      redirectHosts: this.config.redirectHosts,
      redirectPaths: this.config.redirectPaths,
    };
  }

  get audience(): string {
    return this.auth.audience;
  }

  /** TOOL_SCOPES ∪ REQUIRED_SCOPES, else every scope the gateway knows (the tool catalog's included). */
  get scopes(): string[] {
    return this.config.scopes.length > 0 ? this.config.scopes : this.scopeRegistry.all();
  }

  /** Prepares one client; throws ManagementApiError when the tenant could not be read or written. */
  async prepare(clientId: string): Promise<PreparationResult> {
    const at = (): string => new Date().toISOString();
    const client = await this.management.getClient(clientId);
    if (!client)
      return { clientId, outcome: 'skipped', at: at(), detail: 'the client does not exist (deleted?)' };
    const verdict = checkAllowList(client, this.allowList);
    if (!verdict.allowed) {
      this.logger.warn({ msg: 'leaving client alone', clientId, reason: verdict.reason });
      return { clientId, outcome: 'skipped', at: at(), detail: verdict.reason };
    }
    if (!this.audience) {
      return { clientId, outcome: 'failed', at: at(), detail: 'OAUTH_AUDIENCE is not set: no API to grant' };
    }
    const mode = resolveMode(this.config.mode, await this.tenantMode(), client);
    const changes: string[] = [];
    const warnings: string[] = [];

    await this.applyClientFields(client, mode, changes);
    await this.enableConnections(clientId, mode, changes, warnings);
    await this.ensureGrant(clientId, changes);

    this.logger.log({
      msg: 'prepared',
      clientId,
      mode,
      audience: this.audience,
      scopes: this.scopes,
      changes,
      warnings,
    });
    return { clientId, outcome: 'prepared', at: at(), mode, changes, warnings };
  }

  /**
   * The tenant's DCR mode from its settings (`dynamic_client_registration_security_mode`), cached; undefined
   * when the setting is absent or unreadable (then each client's own hints decide).
   */
  async tenantMode(): Promise<TenantMode | undefined> {
    if (this.config.mode !== 'auto') return this.config.mode;
    if (this.tenantModeCache && Date.now() - this.tenantModeCache.at < TENANT_FACTS_TTL_MS)
      return this.tenantModeCache.value;
    let value: TenantMode | undefined;
    try {
      const mode = (await this.management.getTenantSettings()).dynamic_client_registration_security_mode;
      value = mode === 'strict' || mode === 'permissive' ? mode : undefined;
    } catch (error) {
      this.logger.warn({
        msg: 'cannot read tenant settings; DCR mode taken from each client',
        reason: (error as Error).message,
      });
    }
    this.tenantModeCache = { value, at: Date.now() };
    if (value) this.status.detectedMode = value;
    return value;
  }

  /** The facts isPrepared needs, read once for a whole reconciliation. */
  async tenantView(): Promise<TenantView> {
    const grants = await this.management.listClientGrants({ audience: this.audience, subjectType: 'user' });
    const enabledClients: Set<string>[] = [];
    for (const name of this.config.loginConnections) {
      const connection = await this.connection(name);
      enabledClients.push(connection?.id ? await this.management.enabledClientIds(connection.id) : new Set());
    }
    return {
      grants: new Map(grants.filter((grant) => grant.client_id).map((grant) => [grant.client_id!, grant])),
      enabledClients,
    };
  }

  private async applyClientFields(client: Auth0Client, mode: TenantMode, changes: string[]): Promise<void> {
    const patch = clientPatch(client, mode);
    if (!patch) return;
    const clientId = client.client_id!;
    this.logger.log({
      msg: mode === 'permissive' ? 'promoting client' : 'updating client',
      clientId,
      mode,
      fields: Object.keys(patch),
    });
    await this.management.updateClient(clientId, patch);
    changes.push(`client fields: ${Object.keys(patch).join(', ')}`);
  }

  private async enableConnections(
    clientId: string,
    mode: TenantMode,
    changes: string[],
    warnings: string[],
  ): Promise<void> {
    for (const name of this.config.loginConnections) {
      const connection = await this.connection(name);
      if (!connection?.id) {
        warnings.push(`connection ${name} does not exist`);
        this.logger.warn({ msg: 'login connection not found', clientId, connection: name });
        continue;
      }
      await this.management.enableConnection(connection.id, clientId);
      changes.push(`connection ${name} enabled`);
      this.logger.log({ msg: 'enabled connection', clientId, connection: name });
      if (mode === 'strict' && connection.is_domain_connection !== true) {
        // Not fixed here: promoting a connection to domain level opens it to every third-party app of the tenant.
        warnings.push(`connection ${name} is not domain-level: third-party clients cannot log in with it`);
        this.logger.warn({
          msg: 'connection is not domain-level',
          clientId,
          connection: name,
          fix: 'set is_domain_connection: true',
        });
      }
    }
  }

  private async ensureGrant(clientId: string, changes: string[]): Promise<void> {
    const scopes = this.scopes;
    const created = await this.management.createClientGrant({
      clientId,
      audience: this.audience,
      scopes,
      subjectType: 'user',
    });
    if (created !== 'exists') {
      changes.push('client grant created');
      this.logger.log({ msg: 'created client grant', clientId, audience: this.audience, scopes });
      return;
    }
    const [grant] = await this.management.listClientGrants({
      clientId,
      audience: this.audience,
      subjectType: 'user',
    });
    // Listings can lag behind writes; a plain Error is retried by the queue.
    if (!grant?.id) throw new Error('Auth0 answered 409 for the client grant but does not list it yet');
    const missing = missingScopes(grant, scopes);
    if (missing.length === 0) return;
    await this.management.updateClientGrantScopes(grant.id, [...(grant.scope ?? []), ...missing]);
    changes.push(`client grant scopes added: ${missing.join(' ')}`);
    this.logger.log({
      msg: 'added scopes to client grant',
      clientId,
      audience: this.audience,
      scopes: missing,
    });
  }

  private async connection(name: string): Promise<Auth0Connection | undefined> {
    const cached = this.connections.get(name);
    if (cached && Date.now() - cached.at < TENANT_FACTS_TTL_MS) return cached.value;
    const connection = await this.management.findConnection(name);
    if (connection) this.connections.set(name, { value: connection, at: Date.now() });
    return connection;
  }
}
