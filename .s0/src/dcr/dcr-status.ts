import { Injectable } from '@nestjs/common';

import type { TenantMode } from './client-policy';

export interface PreparationResult {
  clientId: string;
  outcome: 'prepared' | 'skipped' | 'failed';
  at: string;
  mode?: TenantMode;
  /** What was written to the tenant; empty when the client was already prepared. */
  changes?: string[];
  /** Problems the gateway cannot fix itself, e.g. a connection that is not domain-level in strict mode. */
  warnings?: string[];
  /** Why the client was skipped or why the preparation failed. */
  detail?: string;
}

export interface ReconcileReport {
  at: string;
  matching: number;
  queued: number;
  error?: string;
}

/** What /health/auth0 reports about the DCR automation; counts and outcomes only, no secrets. */
@Injectable()
export class DcrStatus {
  lastWebhookAt?: string;
  lastPreparation?: PreparationResult;
  lastReconcile?: ReconcileReport;
  detectedMode?: TenantMode;

  webhookReceived(): void {
    this.lastWebhookAt = new Date().toISOString();
  }
}
