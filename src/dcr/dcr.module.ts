import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';

import { DcrHealthIndicator } from './dcr-health.indicator';

@Module({
  imports: [TerminusModule],
  providers: [DcrHealthIndicator],
  exports: [DcrHealthIndicator],
})
export class DcrModule {}
