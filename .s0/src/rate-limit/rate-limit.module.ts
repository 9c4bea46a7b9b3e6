import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';

import { RedisModule } from '../redis/redis.module';
import { RateLimitExceptionFilter } from './rate-limit-exception.filter';
import { RateLimits } from './rate-limits';

@Module({
  imports: [RedisModule],
  providers: [RateLimits, { provide: APP_FILTER, useClass: RateLimitExceptionFilter }],
  exports: [RateLimits],
})
export class RateLimitModule {}
