import { AppEnv } from './app.config';
import { AuthEnv } from './auth.config';
import { dcrEnvironmentProblems, DcrEnv } from './dcr.config';
import { isPlaceholder, parseEnv, RawEnv } from './env.util';
import { ToolsEnv } from './tools.config';

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`,
    );
    this.name = 'ConfigValidationError';
  }
}

const SECRETS = ['GATEWAY_HMAC_SECRET', 'LOG_WEBHOOK_SECRET', 'MGMT_CLIENT_SECRET'];

/**
 * Validates every section at once so that one start-up error lists every problem.
 * Used as ConfigModule's `validate`; returns the environment unchanged.
 */
export function validateEnvironment(env: RawEnv): RawEnv {
  const problems = [AppEnv, AuthEnv, ToolsEnv, DcrEnv].flatMap((cls) => parseEnv<object>(cls, env).errors);
  const present = (name: string): boolean => (env[name] ?? '').trim() !== '';

  problems.push(...dcrEnvironmentProblems(env));
  if (present('OAUTH_ISSUER') && !present('OAUTH_AUDIENCE')) {
    problems.push(
      'OAUTH_AUDIENCE is required when OAUTH_ISSUER is set (the API identifier your tokens carry in `aud`)',
    );
  }

  if (env.NODE_ENV === 'production') {
    for (const name of ['PUBLIC_URL', 'OAUTH_ISSUER', 'OAUTH_AUDIENCE', 'GATEWAY_HMAC_SECRET']) {
      if (!present(name)) problems.push(`${name} is required when NODE_ENV=production`);
    }
    for (const name of SECRETS) {
      if (isPlaceholder(env[name]?.trim()))
        problems.push(`${name} looks like a placeholder; set a real random secret`);
    }
    if (present('PUBLIC_URL') && !env.PUBLIC_URL!.trim().startsWith('https://')) {
      problems.push(
        'PUBLIC_URL must use https:// when NODE_ENV=production (OAuth clients refuse plain http)',
      );
    }
    if (present('OAUTH_ISSUER') && !env.OAUTH_ISSUER!.trim().startsWith('https://')) {
      problems.push('OAUTH_ISSUER must use https:// when NODE_ENV=production');
    }
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return env;
}
