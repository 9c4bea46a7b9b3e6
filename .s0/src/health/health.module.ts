import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';

import { AuthModule } from '../auth/auth.module';
import { DcrModule } from '../dcr/dcr.module';
import { RedisModule } from '../redis/redis.module';
import { RedisHealthIndicator } from '../redis/redis.health';
import { HealthController } from './health.controller';
import { ShutdownState } from './shutdown.state';

/** Assembles the indicators that feature modules export. */
@Module({
  imports: [
    TerminusModule.forRoot({ errorLogStyle: 'pretty', logger: false }),
    AuthModule,
    DcrModule,
    RedisModule,
  ],
  controllers: [HealthController],
  providers: [ShutdownState, RedisHealthIndicator],
  exports: [ShutdownState],
})
export class HealthModule {}
