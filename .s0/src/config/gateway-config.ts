import { existsSync } from 'node:fs';
import * as path from 'node:path';

import { getMetadataStorage } from 'class-validator';

import { AppConfig, AppEnv, buildAppConfig } from './app.config';
import { AuthConfig, AuthEnv, buildAuthConfig } from './auth.config';
import { ConfigValidationError } from './config-validation.error';
import { buildDcrConfig, dcrEnvironmentProblems, DcrConfig, DcrEnv } from './dcr.config';
import { isPlaceholder, parseEnv, RawEnv } from './env.util';
import { LocalEnv } from './local.config';
import { readSecretFiles, SECRETS } from './secret-files';
import { buildToolsConfig, ToolsConfig, ToolsEnv } from './tools.config';

/** The whole configuration, validated once, from which the application is built (AppModule.register). */
export interface GatewayConfig {
  app: AppConfig;
  auth: AuthConfig;
  tools: ToolsConfig;
  dcr: DcrConfig;
  /** Optional modules AppModule mounts. */
  features: { debugToken: boolean; exampleTools: boolean };
  /** Worth saying at start-up, not worth refusing to start (unknown variables, APP_ORIGIN=*). */
  warnings: string[];
}

/**
 * Validates every section at once, so that one error lists every problem, and builds the typed
 * configuration from the parsed values (the environment is parsed once).
 */
export function loadGatewayConfig(given: RawEnv): GatewayConfig {
  const { env, problems: secretFileProblems } = readSecretFiles(given);
  const app = parseEnv(AppEnv, env);
  const auth = parseEnv(AuthEnv, env);
  const tools = parseEnv(ToolsEnv, env);
  const dcr = parseEnv(DcrEnv, env);
  const local = parseEnv(LocalEnv, env);
  const problems = [
    ...[app, auth, tools, dcr, local].flatMap((section) => section.errors),
    ...secretFileProblems,
    ...crossSectionProblems(env),
  ];
  // A misspelt name often explains a missing one (OAUTH_ISUER → "OAUTH_ISSUER is required").
  if (problems.length > 0) throw new ConfigValidationError([...problems, ...unknownVariableWarnings(env)]);

  const config: GatewayConfig = {
    app: buildAppConfig(app.value),
    auth: buildAuthConfig(auth.value),
    tools: buildToolsConfig(tools.value),
    dcr: buildDcrConfig(dcr.value),
    features: {
      debugToken: auth.value.DEBUG_TOKEN_ENABLED === true,
      exampleTools: tools.value.EXAMPLE_TOOLS_ENABLED === true,
    },
    warnings: unknownVariableWarnings(env),
  };
  if (config.app.appOrigins.includes('*')) {
    config.warnings.push(
      'APP_ORIGIN=* lets web pages on any origin call the gateway from a browser; list the origins you trust instead',
    );
  }
  return config;
}

function crossSectionProblems(env: RawEnv): string[] {
  const present = (name: string): boolean => (env[name] ?? '').trim() !== '';
  const problems = dcrEnvironmentProblems(env);
  if (present('OAUTH_ISSUER') && !present('OAUTH_AUDIENCE')) {
    problems.push(
      'OAUTH_AUDIENCE is required when OAUTH_ISSUER is set (the API identifier your tokens carry in `aud`)',
    );
  }
  // Reported with everything else rather than in a second round when the catalog loads.
  const toolsFile = env.TOOLS_FILE?.trim();
  if (toolsFile && !existsSync(path.resolve(toolsFile))) {
    problems.push(`TOOLS_FILE ${toolsFile} does not exist (resolved to ${path.resolve(toolsFile)})`);
  }
  const origins = (env.APP_ORIGIN ?? '').split(/[\s,]+/).filter(Boolean);
  if (origins.includes('*') && origins.length > 1) {
    problems.push('APP_ORIGIN is either * (any origin) or a list of origins, not both');
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
  return problems;
}

/** Families whose misspelt members would otherwise be ignored silently (OAUTH_ISUER starts local mode). */
const OWN_PREFIXES =
  /^(OAUTH|MGMT|DCR|JWKS|TOOL|TOOLS|UPSTREAM|GATEWAY|MCP|DEV_ISSUER|DEMO_BACKEND|METRICS|REDIS|RATE_LIMIT)_/;

/** Every variable the configuration reads, from the validated section classes. */
export function knownVariables(): string[] {
  const storage = getMetadataStorage();
  const names = [AppEnv, AuthEnv, ToolsEnv, DcrEnv, LocalEnv].flatMap((section) =>
    storage.getTargetValidationMetadatas(section, section.name, true, false).map((m) => m.propertyName),
  );
  return [...new Set(names)].sort();
}

export function unknownVariableWarnings(env: RawEnv): string[] {
  const known = new Set(knownVariables());
  return Object.keys(env)
    .filter((name) => OWN_PREFIXES.test(name) && !known.has(name))
    .sort()
    .map((name) => {
      const closest = closestName(name, [...known]);
      return `${name} is not a variable connector-gateway reads; it is ignored${closest ? ` (did you mean ${closest}?)` : ''}`;
    });
}

function closestName(name: string, candidates: string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(name.length / 4)) ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}
export { ConfigValidationError } from './config-validation.error';
