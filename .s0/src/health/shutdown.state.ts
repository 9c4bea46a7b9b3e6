import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

/** Set on SIGTERM: readiness turns down so the load balancer drains this replica before it stops. */
@Injectable()
export class ShutdownState {
  private draining = false;

  constructor(private readonly health: HealthIndicatorService) {}

  beginDraining(): void {
    this.draining = true;
  }

  check(key = 'lifecycle'): HealthIndicatorResult {
    const indicator = this.health.check(key);
    return this.draining ? indicator.down({ message: 'shutting down' }) : indicator.up();
  }
}
