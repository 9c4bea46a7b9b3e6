import 'reflect-metadata';

import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

/**
 * Builds the gateway's modules without an HTTP server (so no webhook and no reconciler), runs `work` and
 * closes them. Configuration comes through src/config exactly as for the gateway; a configuration error
 * prints its list of problems. Returns the process exit code.
 */
export async function withGatewayContext(
  work: (app: INestApplicationContext) => Promise<number>,
  write: (text: string) => void,
): Promise<number> {
  let app: INestApplicationContext | undefined;
  try {
    // Imported here: modules read the configuration when they load. The configuration module goes first, so
    // that an invalid environment stops the CLI before modules that wait for the configuration are loaded.
    await import('../../config/config.module');
    const { AppModule } = await import('../../app.module');
    // Nest's own logger stays silent: it would print a stack for a configuration error; `write` says it once.
    app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
    return await work(app);
  } catch (error) {
    write(`error: ${error instanceof Error ? error.message : String(error)}`);
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
