import { Controller, Get, OnModuleInit, ServiceUnavailableException, UseFilters } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';

import { Public } from '../auth/decorators/public.decorator';
import { SigningKeysHealthIndicator } from '../auth/signing-keys.health';
import { DcrHealthIndicator } from '../dcr/dcr.health';
import { AdminServer, json } from '../observability/admin-server';
import { IpLimitExempt } from '../rate-limit/ip-limit-exempt.decorator';
import { RedisHealthIndicator } from '../redis/redis.health';
import { HealthCheckFilter } from './health-check.filter';
import { ShutdownState } from './shutdown.state';

/** Kubernetes probes. Bodies carry states and counts, never secrets. Never limited per IP (the kubelet's address). */
@Public()
@IpLimitExempt()
@UseFilters(HealthCheckFilter)
@Controller('health')
export class HealthController implements OnModuleInit {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly shutdown: ShutdownState,
    private readonly signingKeys: SigningKeysHealthIndicator,
    private readonly dcr: DcrHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly admin: AdminServer,
  ) {}

  /**
   * The Auth0 diagnosis in full (issuer, audience, JWKS URL, recent client ids, Management errors) is for
   * operators: it is served on the admin port (METRICS_PORT, loopback by default), never on the public one.
   */
  onModuleInit(): void {
    this.admin.route('/health/auth0', async () => {
      const result = await this.auth0Check();
      return json(result.status === 'ok' ? 200 : 503, result);
    });
  }

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

  /** Public: each part's state only; the detail is on the admin port (see onModuleInit). */
  @Get('auth0')
  async auth0(): Promise<PublicHealth> {
    const result = await this.auth0Check();
    const states = statesOf(result);
    if (result.status !== 'ok') throw new ServiceUnavailableException(states);
    return states;
  }

  private auth0Check(): Promise<HealthCheckResult> {
    return this.health
      .check([() => this.signingKeys.check(), () => this.dcr.check()])
      .catch((error: unknown) => {
        // Terminus reports a failing check as a 503 carrying the result.
        if (error instanceof ServiceUnavailableException) return error.getResponse() as HealthCheckResult;
        throw error;
      });
  }
}

export interface PublicHealth {
  status: HealthCheckResult['status'];
  details: Record<string, { status: string }>;
}

function statesOf(result: HealthCheckResult): PublicHealth {
  const details = Object.entries(result.details ?? {}).map(([key, value]) => [key, { status: value.status }]);
  return { status: result.status, details: Object.fromEntries(details) };
}
