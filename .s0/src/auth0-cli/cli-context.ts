import 'reflect-metadata';

import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import { routeOutboundCallsThroughProxy } from '../common/outbound-proxy';
import { readEnvironment } from '../config/env-file';
import { RawEnv } from '../config/env.util';
import { loadGatewayConfig } from '../config/gateway-config';
import { Auth0CliModule } from './auth0-cli.module';

/** Where a CLI reads its configuration and writes its output (tests pass their own). */
export interface CliIo {
  env: RawEnv;
  out: (text: string) => void;
  err: (text: string) => void;
  /** A CLI process reading its own environment: its outbound calls honour the configured proxy. */
  ownProcess?: boolean;
}

export function cliIo(io: Partial<CliIo> = {}): CliIo {
  return {
    env: io.env ?? readEnvironment(),
    out: io.out ?? writeStdout,
    err: io.err ?? writeStderr,
    ownProcess: io.env === undefined,
  };
}

/**
 * Validates the configuration as the gateway does, builds Auth0CliModule from it, runs `work` and closes
 * it. A configuration error prints its list of problems (never a stack). Returns the exit code.
 */
export async function withCliContext(
  io: CliIo,
  work: (app: INestApplicationContext) => Promise<number>,
): Promise<number> {
  let app: INestApplicationContext | undefined;
  try {
    const config = loadGatewayConfig(io.env);
    if (io.ownProcess) routeOutboundCallsThroughProxy(config.app.proxy);
    app = await NestFactory.createApplicationContext(Auth0CliModule.register(config), {
      logger: false,
      abortOnError: false,
    });
    return await work(app);
  } catch (error) {
    io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await app?.close();
  }
}

export function writeStdout(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function writeStderr(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}
