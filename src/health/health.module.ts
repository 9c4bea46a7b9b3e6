import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';

import { AuthModule } from '../auth/auth.module';
import { DcrModule } from '../dcr/dcr.module';
import { HealthController } from './health.controller';
import { ShutdownState } from './shutdown.state';

/** Assembles the indicators that feature modules export. */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty', logger: false }), AuthModule, DcrModule],
  controllers: [HealthController],
  providers: [ShutdownState],
  exports: [ShutdownState],
})
export class HealthModule {}
