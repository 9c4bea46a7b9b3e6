import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { dcrConfig } from '../config/dcr.config';
import { resolveMode, TenantMode, TenantView } from './client-policy';
import { DcrStatus } from './dcr-status';
import { DcrTarget } from './dcr-target';
import { ManagementClient } from './management.client';
import type { Auth0Client, Auth0Connection } from './management.types';

/** Tenant facts that change rarely (the DCR mode, connection ids) are re-read after this long. */
export const TENANT_FACTS_TTL_MS = 5 * 60_000;

interface Cached<T> {
  value: T;
  at: number;
}

/** What the tenant says about itself, read through the Management API and cached for TENANT_FACTS_TTL_MS. */
@Injectable()
export class TenantFacts {
  private readonly logger = new Logger(TenantFacts.name);
  private modeCache?: Cached<TenantMode | undefined>;
  private readonly connections = new Map<string, Cached<Auth0Connection>>();

  constructor(
    @Inject(dcrConfig.KEY) private readonly config: ConfigType<typeof dcrConfig>,
    private readonly management: ManagementClient,
    private readonly target: DcrTarget,
    private readonly status: DcrStatus,
  ) {}

  /**
   * The tenant's DCR mode from its settings (`dynamic_client_registration_security_mode`), or DCR_MODE when
   * that is not `auto`; undefined when the setting is absent or unreadable (then each client's own hints decide).
   */
  async mode(): Promise<TenantMode | undefined> {
    if (this.config.mode !== 'auto') return this.config.mode;
    if (this.fresh(this.modeCache)) return this.modeCache.value;
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
    this.modeCache = { value, at: Date.now() };
    if (value) this.status.detectedMode = value;
    return value;
  }

  /** The mode one client is prepared in (see resolveMode). */
  async clientMode(client: Auth0Client): Promise<TenantMode> {
    return resolveMode(this.config.mode, await this.mode(), client);
  }

  /** A login connection by name; only found connections are cached, so a new one shows up on the next call. */
  async connection(name: string): Promise<Auth0Connection | undefined> {
    const cached = this.connections.get(name);
    if (this.fresh(cached)) return cached.value;
    const connection = await this.management.findConnection(name);
    if (connection) this.connections.set(name, { value: connection, at: Date.now() });
    return connection;
  }

  /** The facts isPrepared needs, read once for a whole reconciliation (never cached). */
  async view(): Promise<TenantView> {
    const grants = await this.management.listClientGrants({
      audience: this.target.audience,
      subjectType: 'user',
    });
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

  private fresh<T>(cached: Cached<T> | undefined): cached is Cached<T> {
    return cached !== undefined && Date.now() - cached.at < TENANT_FACTS_TTL_MS;
  }
}
