import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Loads `.env` from the working directory into process.env (variables already set win). Done once in
 * main.ts before anything reads the environment, so local-mode detection and validation see the same values.
 */
export function loadEnvFile(file = path.resolve('.env')): boolean {
  if (!existsSync(file)) return false;
  process.loadEnvFile(file);
  return true;
}
