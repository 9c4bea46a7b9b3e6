import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { dcrConfig } from '../config/dcr.config';
import { GatewayMetrics } from '../observability/gateway-metrics';
import { checkAllowList, isPrepared } from './client-policy';
import { DcrCoordination } from './dcr-coordination';
import { DcrStatus, ReconcileReport } from './dcr-status';
import { DcrTarget } from './dcr-target';
import { ManagementClient } from './management.client';
import { PreparationQueue } from './preparation.queue';
import { TenantFacts } from './tenant-facts';

/**
 * At start-up and every DCR_RECONCILE_INTERVAL_S (0 turns both off): every client that matches the allow-list but is not
 * prepared (fields, connections, grant) goes to the queue, so a webhook delivery that never arrived, or a
 * preparation that failed for good, cannot leave a ChatGPT client broken.
 *
 * With REDIS_URL, one replica at a time reconciles: the holder of a lease that expires after half an
 * interval (at most 30 s) and that its holder renews three times as often; when the holder dies, another
 * replica takes the lease within that expiry and keeps the shared cadence (one pass per interval). Without
 * Redis (or while it fails) every replica reconciles on its own, as before: the preparation converges on
 * one state (see ClientPreparationService), so running it twice writes nothing new.
 */
@Injectable()
export class DcrReconciler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DcrReconciler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<ReconcileReport>;
  private stopped = false;

  constructor(
    @Inject(dcrConfig.KEY) private readonly config: ConfigType<typeof dcrConfig>,
    private readonly management: ManagementClient,
    private readonly target: DcrTarget,
    private readonly tenant: TenantFacts,
    private readonly queue: PreparationQueue,
    private readonly status: DcrStatus,
    private readonly coordination: DcrCoordination,
    private readonly metrics: GatewayMetrics,
  ) {}

  onApplicationBootstrap(): void {
    const intervalMs = this.config.reconcileIntervalMs;
    if (!this.management.configured || intervalMs === 0) return;
    const leader = this.metrics.dcrReconcilerLeader;
    if (!this.coordination.shared) {
      leader.set(1);
      void this.run();
      this.timer = setInterval(() => void this.run(), intervalMs);
    } else {
      const leaseMs = Math.min(Math.ceil(intervalMs / 2), 30_000);
      const lead = async (): Promise<void> => {
        const holds = !this.stopped && (await this.coordination.holdLease(leaseMs));
        leader.set(holds && !this.stopped ? 1 : 0);
        if (!holds) return;
        if (await this.coordination.reconciliationDue(intervalMs)) await this.run();
      };
      void lead();
      this.timer = setInterval(() => void lead(), Math.ceil(leaseMs / 3));
    }
    this.timer.unref();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.metrics.dcrReconcilerLeader.set(0);
  }

  /** One pass; a pass still running is shared rather than overlapped. */
  run(): Promise<ReconcileReport> {
    this.running ??= this.reconcile().finally(() => (this.running = undefined));
    return this.running;
  }

  private async reconcile(): Promise<ReconcileReport> {
    const at = new Date().toISOString();
    let report: ReconcileReport;
    try {
      const clients = await this.management.listClients();
      const allowList = this.target.allowList;
      const matching = clients.filter(
        (client) => client.client_id && checkAllowList(client, allowList).allowed,
      );
      let queued = 0;
      if (matching.length > 0) {
        const view = await this.tenant.view();
        const scopes = this.target.scopes;
        for (const client of matching) {
          const mode = await this.tenant.clientMode(client);
          if (isPrepared(client, mode, view, scopes)) continue;
          if (this.queue.enqueue({ clientId: client.client_id!, source: 'reconciler' }) === 'queued')
            queued += 1;
        }
      }
      report = { at, matching: matching.length, queued };
      this.metrics.dcrReconciliations.cell('ok').inc();
      this.logger.log({ msg: 'reconciled', matching: matching.length, queued });
    } catch (error) {
      report = { at, matching: 0, queued: 0, error: (error as Error).message };
      this.metrics.dcrReconciliations.cell('error').inc();
      this.logger.warn({ msg: 'reconciliation failed; next pass will try again', reason: report.error });
    }
    this.status.lastReconcile = report;
    return report;
  }
}
