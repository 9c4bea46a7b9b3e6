import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';

import { appConfig } from './app.config';
import { authConfig } from './auth.config';
import { dcrConfig } from './dcr.config';
import { toolsConfig } from './tools.config';
import { validateEnvironment } from './validate-environment';

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      cache: true,
      // main.ts loads .env itself (see env-file.ts), so tests never pick up a developer's .env.
      ignoreEnvFile: true,
      load: [appConfig, authConfig, toolsConfig, dcrConfig],
      validate: validateEnvironment,
    }),
  ],
})
export class GatewayConfigModule {}
