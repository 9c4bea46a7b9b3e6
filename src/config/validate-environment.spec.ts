import { thrownBy } from '../testing/errors';
import type { RawEnv } from './env.util';
import { ConfigValidationError, validateEnvironment } from './validate-environment';

const HMAC_SECRET = '3f9c1a7e5b2d48c6a0e1f7b3d9c5a2e84b6f0d1c7a3e9b5f2d8c4a6e0b1f7d3c';

const PRODUCTION: RawEnv = {
  NODE_ENV: 'production',
  PUBLIC_URL: 'https://gw.example.com',
  OAUTH_ISSUER: 'https://tenant.eu.auth0.com/',
  OAUTH_AUDIENCE: 'https://gw.example.com',
  GATEWAY_HMAC_SECRET: HMAC_SECRET,
};

function problemsOf(env: RawEnv): string[] {
  return thrownBy(() => validateEnvironment(env), ConfigValidationError).problems;
}

describe('validateEnvironment', () => {
  it('accepts an empty environment outside production (local mode) and returns it unchanged', () => {
    const env = { NODE_ENV: 'development' };

    expect(validateEnvironment(env)).toBe(env);
  });

  it('accepts a complete production environment', () => {
    expect(validateEnvironment(PRODUCTION)).toBe(PRODUCTION);
  });

  it('lists every problem in one error instead of stopping at the first', () => {
    const error = thrownBy(
      () =>
        validateEnvironment({
          PORT: 'eighty',
          PUBLIC_URL: 'gw.example.com',
          MAX_BODY_BYTES: '12',
          LOG_LEVEL: 'loud',
          OAUTH_ALGORITHMS: 'RS256,HS256',
          OAUTH_CLOCK_TOLERANCE_S: '3600',
          UPSTREAM_TIMEOUT_MS: 'soon',
          DCR_MODE: 'lenient',
          DCR_CLIENT_NAME_PATTERN: '(ChatGPT',
          OAUTH_ISSUER: 'https://tenant.eu.auth0.com/',
        }),
      ConfigValidationError,
    );

    expect(error.problems).toEqual(
      expect.arrayContaining([
        'PORT must be an integer between 0 and 65535 (got "eighty")',
        'PUBLIC_URL must be an absolute http(s) URL, e.g. https://gateway.example.com (got "gw.example.com")',
        'MAX_BODY_BYTES must not be less than 1024 (got 12)',
        'LOG_LEVEL must be one of the following values: error, warn, log, debug, verbose (got "loud")',
        'OAUTH_ALGORITHMS may only list RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 (got ["RS256","HS256"])',
        'OAUTH_CLOCK_TOLERANCE_S must not be greater than 300 (got 3600)',
        'UPSTREAM_TIMEOUT_MS must be an integer number of milliseconds (got "soon")',
        'DCR_MODE must be one of auto, strict, permissive (got "lenient")',
        'DCR_CLIENT_NAME_PATTERN is not a valid regular expression (got "(ChatGPT")',
        'OAUTH_AUDIENCE is required when OAUTH_ISSUER is set (the API identifier your tokens carry in `aud`)',
      ]),
    );
    expect(error.message).toMatch(
      new RegExp(`^Invalid configuration \\(${error.problems.length} problems\\):\\n  - `),
    );
    expect(error.message.split('\n  - ')).toHaveLength(error.problems.length + 1);
  });

  describe('in production', () => {
    it('requires PUBLIC_URL, OAUTH_ISSUER, OAUTH_AUDIENCE and GATEWAY_HMAC_SECRET', () => {
      expect(problemsOf({ NODE_ENV: 'production' })).toEqual(
        expect.arrayContaining([
          'PUBLIC_URL is required when NODE_ENV=production',
          'OAUTH_ISSUER is required when NODE_ENV=production',
          'OAUTH_AUDIENCE is required when NODE_ENV=production',
          'GATEWAY_HMAC_SECRET is required when NODE_ENV=production',
        ]),
      );
    });

    it('treats a blank value as missing', () => {
      expect(problemsOf({ ...PRODUCTION, PUBLIC_URL: '   ' })).toContain(
        'PUBLIC_URL is required when NODE_ENV=production',
      );
    });

    it.each([
      ['GATEWAY_HMAC_SECRET', 'change-me-change-me-change-me-change-me'],
      ['LOG_WEBHOOK_SECRET', 'replace-me-with-a-real-webhook-secret'],
      ['MGMT_CLIENT_SECRET', 'your-client-secret'],
      ['MGMT_CLIENT_SECRET', 'xxxxxxxx'],
    ])('refuses a placeholder %s', (name, value) => {
      const management = { MGMT_DOMAIN: 'tenant.eu.auth0.com', MGMT_CLIENT_ID: 'mgmt-client' };

      expect(problemsOf({ ...PRODUCTION, ...management, [name]: value })).toContain(
        `${name} looks like a placeholder; set a real random secret`,
      );
    });

    it('refuses plain http for PUBLIC_URL and OAUTH_ISSUER', () => {
      expect(
        problemsOf({
          ...PRODUCTION,
          PUBLIC_URL: 'http://gw.example.com',
          OAUTH_ISSUER: 'http://tenant.eu.auth0.com/',
        }),
      ).toEqual(
        expect.arrayContaining([
          'PUBLIC_URL must use https:// when NODE_ENV=production (OAuth clients refuse plain http)',
          'OAUTH_ISSUER must use https:// when NODE_ENV=production',
        ]),
      );
    });
  });

  describe('never echoes a secret', () => {
    const secrets: RawEnv = {
      GATEWAY_HMAC_SECRET: 'change-me-too-short',
      LOG_WEBHOOK_SECRET: 'hunter2-webhook',
      MGMT_CLIENT_SECRET: 'placeholder-mgmt-secret',
    };

    it.each([
      ['outside production', {}],
      ['in production', { NODE_ENV: 'production' }],
    ])('%s', (_label, base) => {
      const error = thrownBy(() => validateEnvironment({ ...base, ...secrets }), ConfigValidationError);

      expect(error.message).toContain('GATEWAY_HMAC_SECRET must be at least 32 characters');
      expect(error.message).toContain('(got "<redacted>")');
      for (const secret of Object.values(secrets)) expect(error.message).not.toContain(secret);
    });
  });
});
