import { readFileSync } from 'node:fs';

import { RawEnv } from './env.util';

/** The gateway's secrets: production refuses a placeholder in any of them. */
export const SECRETS = [
  'GATEWAY_HMAC_SECRET',
  'LOG_WEBHOOK_SECRET',
  'MGMT_CLIENT_SECRET',
  'OAUTH_INTROSPECTION_CLIENT_SECRET',
] as const;

/**
 * What may instead come from the file named by `<NAME>_FILE`: the secrets, and a Redis URL, which may
 * carry the password (redis://:password@host:6379).
 */
export const SECRET_VARIABLES = [...SECRETS, 'REDIS_URL'] as const;

/**
 * The environment with each `<NAME>_FILE` replaced by the file's content (Kubernetes and Docker mount
 * secrets as files, which keeps them out of the process environment and lets them rotate without a new
 * ConfigMap). Problems name the variable and the path, never the content.
 */
export function readSecretFiles(env: RawEnv): { env: RawEnv; problems: string[] } {
  const resolved: RawEnv = { ...env };
  const problems: string[] = [];
  for (const name of SECRET_VARIABLES) {
    const file = env[`${name}_FILE`]?.trim();
    if (!file) continue;
    if ((env[name] ?? '').trim() !== '') {
      problems.push(`${name} and ${name}_FILE are both set: keep one`);
      continue;
    }
    try {
      // Files written by `echo` or editors end with a newline that is not part of the secret.
      const value = readFileSync(file, 'utf8').trim();
      if (value === '') problems.push(`${name}_FILE ${file} is empty`);
      else resolved[name] = value;
    } catch (error) {
      problems.push(
        `${name}_FILE ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  return { env: resolved, problems };
}
