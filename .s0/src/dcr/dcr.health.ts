import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

import { IssuerClient } from '../auth/issuer.client';
import { SigningKeyStore } from '../auth/signing-key.store';
import { authConfig } from '../config/auth.config';
import { dcrConfig } from '../config/dcr.config';
import { DcrStatus } from './dcr-status';
import { ManagementClient } from './management.client';
import { PreparationQueue } from './preparation.queue';
import { TenantFacts } from './tenant-facts';

/**
 * The Auth0 wiring as /health/auth0 reports it (no secrets). Down only when something configured is
 * broken: MGMT_* is set but no Management API token can be obtained. Without MGMT_* the check stays up
 * and says `managementConfigured: false` (DCR clients then need a default grant or manual preparation);
 * an unreachable JWKS is reported here and made fatal by the signing-keys check beside it.
 */
@Injectable()
export class DcrHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(authConfig.KEY) private readonly auth: ConfigType<typeof authConfig>,
    @Inject(dcrConfig.KEY) private readonly config: ConfigType<typeof dcrConfig>,
    private readonly issuer: IssuerClient,
    private readonly keys: SigningKeyStore,
    private readonly management: ManagementClient,
    private readonly queue: PreparationQueue,
    private readonly status: DcrStatus,
    private readonly tenant: TenantFacts,
  ) {}

  async check(key = 'dcr'): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    await this.keys.ensureLoaded();
    const jwks = this.jwks();
    const token = await this.management.checkToken();
    const detectedMode = token.ok ? await this.tenant.mode().catch(() => undefined) : undefined;
    const details = {
      issuer: this.auth.issuer || null,
      audience: this.auth.audience || null,
      jwksUri: jwks.uri ?? null,
      jwksReachable: jwks.reachable,
      webhookConfigured: Boolean(this.config.webhookSecret),
      managementConfigured: token.configured,
      managementTokenOk: token.ok ?? null,
      managementTokenExpiresAt: token.expiresAt ?? null,
      dcrMode: { configured: this.config.mode, detected: detectedMode ?? this.status.detectedMode ?? null },
      lastWebhookAt: this.status.lastWebhookAt ?? null,
      lastPreparation: this.status.lastPreparation ?? null,
      lastReconcile: this.status.lastReconcile ?? null,
      pendingPreparations: this.queue.pending,
    };
    if (token.configured && token.ok === false) {
      return indicator.down({ ...details, message: token.error ?? 'Management API token request failed' });
    }
    return indicator.up(details);
  }

  /** From the key store's last fetch: this public endpoint must not make the gateway call the issuer. */
  private jwks(): { uri?: string; reachable: boolean } {
    return { uri: this.issuer.knownJwksUri(), reachable: this.keys.lastFetchSucceeded === true };
  }
}
