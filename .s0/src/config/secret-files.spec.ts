import { TempDir } from '../testing/temp-dir';
import { thrownBy } from '../testing/errors';
import type { RawEnv } from './env.util';
import { ConfigValidationError, loadGatewayConfig } from './gateway-config';

const HMAC_SECRET = '9d1e6b3a7c5f42e08b1d6a3f7e9c2b5d4a8f0e1c3b7d9a2e6f4c8b0d1a3e5f7c';
const WEBHOOK_SECRET = 'a4c8e2f6b0d4a8c2e6f0b4d8';
const MGMT_SECRET = 'mgmt-3b7f1d9a5c2e8b4f6d0a';

const PRODUCTION: RawEnv = {
  NODE_ENV: 'production',
  PUBLIC_URL: 'https://gw.example.com',
  OAUTH_ISSUER: 'https://tenant.eu.auth0.com/',
  OAUTH_AUDIENCE: 'https://gw.example.com/mcp',
  MGMT_DOMAIN: 'tenant.eu.auth0.com',
  MGMT_CLIENT_ID: 'm2m-client',
};

describe('secrets from files (<NAME>_FILE)', () => {
  const dir = new TempDir();
  afterAll(() => dir.remove());

  it('reads GATEWAY_HMAC_SECRET, LOG_WEBHOOK_SECRET and MGMT_CLIENT_SECRET from mounted files, without the trailing newline', () => {
    const config = loadGatewayConfig({
      ...PRODUCTION,
      GATEWAY_HMAC_SECRET_FILE: dir.write('hmac', `${HMAC_SECRET}\n`),
      LOG_WEBHOOK_SECRET_FILE: dir.write('webhook', WEBHOOK_SECRET),
      MGMT_CLIENT_SECRET_FILE: dir.write('mgmt', `${MGMT_SECRET}\r\n`),
    });

    expect(config.tools.hmacSecret).toBe(HMAC_SECRET);
    expect(config.dcr.webhookSecret).toBe(WEBHOOK_SECRET);
    expect(config.dcr.mgmtClientSecret).toBe(MGMT_SECRET);
    expect(config.dcr.managementConfigured).toBe(true);
    expect(config.warnings).toEqual([]);
  });

  it('reads the introspection client secret and a REDIS_URL carrying a password from mounted files', () => {
    const redisUrl = 'redis://:r3dis-pa55word@redis.internal:6379/2';
    const config = loadGatewayConfig({
      ...PRODUCTION,
      GATEWAY_HMAC_SECRET: HMAC_SECRET,
      MGMT_CLIENT_SECRET: MGMT_SECRET,
      OAUTH_TOKEN_FORMATS: 'jwt,opaque',
      OAUTH_INTROSPECTION_URL: 'https://tenant.eu.auth0.com/oauth/introspect',
      OAUTH_INTROSPECTION_CLIENT_ID: 'connector-gateway',
      OAUTH_INTROSPECTION_CLIENT_SECRET_FILE: dir.write('introspection', 'introspection-secret-7d1c\n'),
      REDIS_URL_FILE: dir.write('redis-url', `${redisUrl}\n`),
    });

    expect(config.auth.opaque.clientSecret).toBe('introspection-secret-7d1c');
    expect(config.app.redis?.url).toBe(redisUrl);
    expect(config.warnings).toEqual([]);
  });

  it('validates a REDIS_URL read from a file like one set directly, without printing it', () => {
    const problems = thrownBy(
      () =>
        loadGatewayConfig({
          ...PRODUCTION,
          GATEWAY_HMAC_SECRET: HMAC_SECRET,
          MGMT_CLIENT_SECRET: MGMT_SECRET,
          REDIS_URL_FILE: dir.write('redis-http', 'http://:s3cret-in-url@redis.internal:6379\n'),
        }),
      ConfigValidationError,
    ).problems;

    expect(problems).toEqual([expect.stringContaining('REDIS_URL must be a redis:// or rediss:// URL')]);
    expect(problems.join('\n')).not.toContain('s3cret-in-url');
  });

  it('validates a secret read from a file like one set directly, without printing it', () => {
    const problems = thrownBy(
      () =>
        loadGatewayConfig({
          ...PRODUCTION,
          MGMT_CLIENT_SECRET: MGMT_SECRET,
          GATEWAY_HMAC_SECRET_FILE: dir.write('short', 'too-short-secret\n'),
        }),
      ConfigValidationError,
    ).problems;

    expect(problems).toEqual([expect.stringContaining('GATEWAY_HMAC_SECRET must be at least 32 characters')]);
    expect(problems.join('\n')).not.toContain('too-short-secret');
  });

  it('lists an unreadable or empty file, and a secret set both ways, naming the variable and the path only', () => {
    const missing = `${dir.path}/absent`;
    const empty = dir.write('empty', '\n');
    const problems = thrownBy(
      () =>
        loadGatewayConfig({
          ...PRODUCTION,
          GATEWAY_HMAC_SECRET_FILE: missing,
          LOG_WEBHOOK_SECRET_FILE: empty,
          MGMT_CLIENT_SECRET: MGMT_SECRET,
          MGMT_CLIENT_SECRET_FILE: dir.write('mgmt-twice', MGMT_SECRET),
        }),
      ConfigValidationError,
    ).problems;

    expect(problems).toEqual(
      expect.arrayContaining([
        `GATEWAY_HMAC_SECRET_FILE ${missing} cannot be read (ENOENT)`,
        `LOG_WEBHOOK_SECRET_FILE ${empty} is empty`,
        'MGMT_CLIENT_SECRET and MGMT_CLIENT_SECRET_FILE are both set: keep one',
        'GATEWAY_HMAC_SECRET is required when NODE_ENV=production',
      ]),
    );
    expect(problems.join('\n')).not.toContain(MGMT_SECRET);
  });

  it('refuses a placeholder read from a file in production', () => {
    const problems = thrownBy(
      () =>
        loadGatewayConfig({
          ...PRODUCTION,
          MGMT_CLIENT_SECRET: MGMT_SECRET,
          GATEWAY_HMAC_SECRET_FILE: dir.write('placeholder', 'change-me-change-me-change-me-change-me\n'),
        }),
      ConfigValidationError,
    ).problems;

    expect(problems).toEqual(['GATEWAY_HMAC_SECRET looks like a placeholder; set a real random secret']);
  });
});
