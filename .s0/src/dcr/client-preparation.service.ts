import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { missingScopes } from '../auth/scope-policy';
import { dcrConfig } from '../config/dcr.config';
import { checkAllowList, clientPatch, TenantMode } from './client-policy';
import { PreparationResult } from './dcr-status';
import { DcrTarget } from './dcr-target';
import { ManagementClient } from './management.client';
import type { Auth0Client } from './management.types';
import { TenantFacts } from './tenant-facts';

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

  constructor(
    @Inject(dcrConfig.KEY) private readonly config: ConfigType<typeof dcrConfig>,
    private readonly management: ManagementClient,
    private readonly target: DcrTarget,
    private readonly tenant: TenantFacts,
  ) {}

  /** Prepares one client; throws ManagementApiError when the tenant could not be read or written. */
  async prepare(clientId: string): Promise<PreparationResult> {
    const at = (): string => new Date().toISOString();
    const client = await this.management.getClient(clientId);
    if (!client)
      return { clientId, outcome: 'skipped', at: at(), detail: 'the client does not exist (deleted?)' };
    const verdict = checkAllowList(client, this.target.allowList);
    if (!verdict.allowed) {
      this.logger.warn({ msg: 'leaving client alone', clientId, reason: verdict.reason });
      return { clientId, outcome: 'skipped', at: at(), detail: verdict.reason };
    }
    if (!this.target.audience) {
      return { clientId, outcome: 'failed', at: at(), detail: 'OAUTH_AUDIENCE is not set: no API to grant' };
    }
    const mode = await this.tenant.clientMode(client);
    const changes: string[] = [];
    const warnings: string[] = [];

    await this.applyClientFields(client, mode, changes);
    await this.enableConnections(clientId, mode, changes, warnings);
    await this.ensureGrant(clientId, changes);

    this.logger.log({
      msg: 'prepared',
      clientId,
      mode,
      audience: this.target.audience,
      scopes: this.target.scopes,
      changes,
      warnings,
    });
    return { clientId, outcome: 'prepared', at: at(), mode, changes, warnings };
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
      const connection = await this.tenant.connection(name);
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
    const { audience, scopes } = this.target;
    const created = await this.management.createClientGrant({
      clientId,
      audience,
      scopes,
      subjectType: 'user',
    });
    if (created !== 'exists') {
      changes.push('client grant created');
      this.logger.log({ msg: 'created client grant', clientId, audience, scopes });
      return;
    }
    const [grant] = await this.management.listClientGrants({
      clientId,
      audience,
      subjectType: 'user',
    });
    // Listings can lag behind writes; a plain Error is retried by the queue.
    if (!grant?.id) throw new Error('Auth0 answered 409 for the client grant but does not list it yet');
    const missing = missingScopes(grant?.scope ?? [], scopes);
    if (missing.length === 0) return;
    await this.management.updateClientGrantScopes(grant.id, [...(grant.scope ?? []), ...missing]);
    changes.push(`client grant scopes added: ${missing.join(' ')}`);
    this.logger.log({
      msg: 'added scopes to client grant',
      clientId,
      audience,
      scopes: missing,
    });
  }
}
