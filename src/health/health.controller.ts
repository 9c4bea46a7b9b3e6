import { Controller, Get, UseFilters } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';

import { Public } from '../auth/decorators/public.decorator';
import { SigningKeysHealthIndicator } from '../auth/signing-keys.health';
import { DcrHealthIndicator } from '../dcr/dcr.health';
import { IpLimitExempt } from '../rate-limit/ip-limit-exempt.decorator';
import { RedisHealthIndicator } from '../redis/redis.health';
import { HealthCheckFilter } from './health-check.filter';
import { ShutdownState } from './shutdown.state';

/** Kubernetes probes. Bodies carry states and counts, never secrets. Never limited per IP (the kubelet's address). */
@Public()
@IpLimitExempt()
@UseFilters(HealthCheckFilter)
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly shutdown: ShutdownState,
    private readonly signingKeys: SigningKeysHealthIndicator,
    private readonly dcr: DcrHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  /** The process answers; nothing external is consulted, so a flaky issuer never restarts pods. */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.indicators.check('process').up({ uptimeS: Math.round(process.uptime()) }),
    ]);
  }

  /**
   * Config was valid (or the process would not run), keys are available, and we are not draining.
   * Redis, when REDIS_URL is set, is reported but never fails readiness (see RedisHealthIndicator).
   */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.shutdown.check(),
      () => this.signingKeys.check(),
      ...(this.redis.configured ? [() => this.redis.check()] : []),
    ]);
  }

  @Get()
  @HealthCheck()
  summary(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.indicators.check('process').up({ uptimeS: Math.round(process.uptime()) }),
      () => this.shutdown.check(),
      () => this.signingKeys.check(),
    ]);
  }

  @Get('auth0')
  @HealthCheck()
  auth0(): Promise<HealthCheckResult> {
    return this.health.check([() => this.signingKeys.check(), () => this.dcr.check()]);
  }
}
