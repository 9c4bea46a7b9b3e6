import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseEnv } from 'node:util';

import { RawEnv } from './env.util';

/**
 * The process environment over `.env` from the working directory (variables already set win). The only
 * place that reads process.env; main.ts and the CLIs call it once and build everything from the result.
 */
export function readEnvironment(file = path.resolve('.env'), env: RawEnv = process.env): RawEnv {
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  return { ...fromFile, ...env };
}
