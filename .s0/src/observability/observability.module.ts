import { Global, Module, OnModuleInit } from '@nestjs/common';

import { AdminServer } from './admin-server';
import { GatewayMetrics } from './gateway-metrics';

/**
 * Metrics and the admin port, available to every module (global: auth, tools and dcr all count).
 * The admin server listens when main.ts calls `AdminServer.listen()`, like the API server, so building
 * an application (tests build several per process) never binds METRICS_PORT.
 */
@Global()
@Module({
  providers: [GatewayMetrics, AdminServer],
  exports: [GatewayMetrics, AdminServer],
})
export class ObservabilityModule implements OnModuleInit {
  constructor(
    private readonly admin: AdminServer,
    private readonly metrics: GatewayMetrics,
  ) {}

  onModuleInit(): void {
    this.admin.route('/metrics', async () => ({
      status: 200,
      contentType: this.metrics.contentType,
      body: await this.metrics.render(),
    }));
  }
}
