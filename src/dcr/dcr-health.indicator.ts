import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

/** The Auth0 wiring as /health/auth0 reports it (no secrets). */
@Injectable()
export class DcrHealthIndicator {
  constructor(private readonly health: HealthIndicatorService) {}

  async check(key = 'dcr'): Promise<HealthIndicatorResult> {
    return this.health.check(key).up({ managementConfigured: false });
  }
}
