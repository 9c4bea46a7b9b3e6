import { Module } from '@nestjs/common';

import { AuthModule } from './auth.module';
import { DebugTokenController } from './debug-token.controller';

/** GET /debug-token, mounted only when DEBUG_TOKEN_ENABLED (see AppModule.register). */
@Module({ imports: [AuthModule], controllers: [DebugTokenController] })
export class DebugTokenModule {}
