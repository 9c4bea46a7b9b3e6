import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { dcrConfig } from '../config/dcr.config';
import { GatewayMetrics } from '../observability/gateway-metrics';
import { ClientPreparationService } from './client-preparation.service';
import { DcrCoordination } from './dcr-coordination';
import { DcrStatus } from './dcr-status';
import { ManagementApiError } from './management.client';

export interface PreparationRequest {
  clientId: string;
  logId?: string;
  source: 'webhook' | 'reconciler';
}

interface Job {
  attempts: number;
  timer?: NodeJS.Timeout;
}

/** Log ids remembered for de-duplication; Auth0 redelivers within minutes, so the recent ones suffice. */
const SEEN_LOG_IDS_MAX = 10_000;
const MAX_RETRY_DELAY_MS = 5 * 60_000;

/**
 * The webhook answers at once and leaves the work here: one client at a time (Auth0 rate limits are per
 * tenant), each retried with back-off until DCR_PREPARE_MAX_ATTEMPTS. The queue lives in memory: what a
 * restart loses, or what fails for good, the reconciler finds again in the tenant.
 */
@Injectable()
export class PreparationQueue implements OnModuleDestroy {
  private readonly logger = new Logger(PreparationQueue.name);
  private readonly jobs = new Map<string, Job>();
  private readonly ready: string[] = [];
  private readonly seenLogIds = new Set<string>();
  private readonly prepared = new Set<string>();
  private pumping = false;
  private closed = false;

  constructor(
    @Inject(dcrConfig.KEY) private readonly config: ConfigType<typeof dcrConfig>,
    private readonly preparation: ClientPreparationService,
    private readonly status: DcrStatus,
    private readonly coordination: DcrCoordination,
    private readonly metrics: GatewayMetrics,
  ) {}

  /**
   * `duplicate` when the log id was seen already, or the client is queued, in flight or (for webhook
   * deliveries) already prepared by this process. The reconciler only asks for clients it saw unprepared.
   */
  enqueue(request: PreparationRequest): 'queued' | 'duplicate' {
    if (this.closed) return 'duplicate';
    if (request.logId) {
      if (this.seenLogIds.has(request.logId)) return 'duplicate';
      this.remember(request.logId);
    }
    if (this.jobs.has(request.clientId)) return 'duplicate';
    if (request.source === 'webhook' && this.prepared.has(request.clientId)) return 'duplicate';
    this.jobs.set(request.clientId, { attempts: 0 });
    this.ready.push(request.clientId);
    void this.pump();
    return 'queued';
  }

  /** Clients queued, in flight or waiting for a retry. */
  get pending(): number {
    return this.jobs.size;
  }

  onModuleDestroy(): void {
    this.closed = true;
    for (const job of this.jobs.values()) clearTimeout(job.timer);
    this.jobs.clear();
    this.ready.length = 0;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (let clientId = this.ready.shift(); clientId && !this.closed; clientId = this.ready.shift()) {
        await this.run(clientId);
      }
    } finally {
      this.pumping = false;
    }
  }

  private async run(clientId: string): Promise<void> {
    const job = this.jobs.get(clientId);
    if (!job) return;
    // Across replicas (REDIS_URL): the first replica to claim the client prepares it; the others drop it.
    if (job.attempts === 0 && !(await this.coordination.claim(clientId))) {
      this.jobs.delete(clientId);
      this.metrics.dcrPreparations.cell('claimed_elsewhere', 'unknown').inc();
      return;
    }
    job.attempts += 1;
    try {
      const result = await this.preparation.prepare(clientId);
      this.status.lastPreparation = result;
      this.jobs.delete(clientId);
      this.metrics.dcrPreparations.cell(result.outcome, result.mode ?? 'unknown').inc();
      if (result.outcome === 'prepared') this.prepared.add(clientId);
    } catch (error) {
      this.retryOrGiveUp(clientId, job, error);
    }
  }

  private retryOrGiveUp(clientId: string, job: Job, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    const retryable = !(error instanceof ManagementApiError) || error.retryable;
    const retry = retryable && job.attempts < this.config.prepareMaxAttempts && !this.closed;
    this.status.lastPreparation = {
      clientId,
      outcome: 'failed',
      at: new Date().toISOString(),
      detail: retry ? `${reason}; attempt ${job.attempts}, will retry` : reason,
    };
    this.metrics.dcrPreparations.cell(retry ? 'retrying' : 'failed', 'unknown').inc();
    if (!retry) {
      this.jobs.delete(clientId);
      void this.coordination.release(clientId);
      this.logger.error({
        msg: 'preparation failed; the reconciler will try again',
        clientId,
        attempts: job.attempts,
        reason,
      });
      return;
    }
    const delayMs = Math.min(this.config.prepareRetryBaseMs * 2 ** (job.attempts - 1), MAX_RETRY_DELAY_MS);
    this.logger.warn({
      msg: 'preparation failed; retrying',
      clientId,
      attempt: job.attempts,
      delayMs,
      reason,
    });
    job.timer = setTimeout(() => {
      job.timer = undefined;
      this.ready.push(clientId);
      void this.pump();
    }, delayMs);
    // A pending retry must not keep a stopping process alive; the reconciler covers what is dropped.
    job.timer.unref();
  }

  private remember(logId: string): void {
    this.seenLogIds.add(logId);
    if (this.seenLogIds.size > SEEN_LOG_IDS_MAX) {
      const oldest = this.seenLogIds.values().next().value;
      if (oldest !== undefined) this.seenLogIds.delete(oldest);
    }
  }
}
