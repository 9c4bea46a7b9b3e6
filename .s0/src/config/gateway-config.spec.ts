import { thrownBy } from '../testing/errors';
import type { RawEnv } from './env.util';
import { ConfigValidationError, loadGatewayConfig } from './gateway-config';

const HMAC_SECRET = '3f9c1a7e5b2d48c6a0e1f7b3d9c5a2e84b6f0d1c7a3e9b5f2d8c4a6e0b1f7d3c';

const PRODUCTION: RawEnv = {
  NODE_ENV: 'production',
  PUBLIC_URL: 'https://gw.example.com',
  OAUTH_ISSUER: 'https://tenant.eu.auth0.com/',
  OAUTH_AUDIENCE: 'https://gw.example.com',
  GATEWAY_HMAC_SECRET: HMAC_SECRET,
};

function problemsOf(env: RawEnv): string[] {
  return thrownBy(() => loadGatewayConfig(env), ConfigValidationError).problems;
}

describe('loadGatewayConfig', () => {
  it('accepts an empty environment outside production (local mode) with the defaults', () => {
    const config = loadGatewayConfig({ NODE_ENV: 'development' });

    expect(config.app).toMatchObject({ production: false, port: 8080, publicUrl: 'http://127.0.0.1:8080' });
    expect(config.features).toEqual({ debugToken: false, exampleTools: false });
    expect(config.warnings).toEqual([]);
  });

  it('accepts a complete production environment and builds every section from it', () => {
    const config = loadGatewayConfig(PRODUCTION);

    expect(config.app).toMatchObject({ production: true, publicUrl: 'https://gw.example.com' });
    expect(config.auth).toMatchObject({
      issuer: 'https://tenant.eu.auth0.com/',
      audience: 'https://gw.example.com',
    });
    expect(config.tools.hmacSecret).toBe(HMAC_SECRET);
    expect(config.dcr.managementConfigured).toBe(false);
  });

  it('reads only the environment it is given, so two configurations can coexist', () => {
    const first = loadGatewayConfig({ PORT: '9001', DEBUG_TOKEN_ENABLED: 'true' });
    const second = loadGatewayConfig({ PORT: '9002' });

    expect([first.app.port, second.app.port]).toEqual([9001, 9002]);
    expect([first.features.debugToken, second.features.debugToken]).toEqual([true, false]);
  });

  it('warns about a misspelt OAUTH_/MGMT_/DCR_ variable and names the closest known one', () => {
    const config = loadGatewayConfig({
      OAUTH_ISUER: 'https://tenant.eu.auth0.com/',
      MGMT_CLIENTID: 'x',
      DCR_WHATEVER_ELSE_ENTIRELY: '1',
    });

    expect(config.warnings).toEqual([
      'DCR_WHATEVER_ELSE_ENTIRELY is not a variable connector-gateway reads; it is ignored',
      'MGMT_CLIENTID is not a variable connector-gateway reads; it is ignored (did you mean MGMT_CLIENT_ID?)',
      'OAUTH_ISUER is not a variable connector-gateway reads; it is ignored (did you mean OAUTH_ISSUER?)',
    ]);
  });

  it('reports a missing TOOLS_FILE with every other problem, in the same round', () => {
    expect(problemsOf({ TOOLS_FILE: 'no-such-catalog.yaml', PORT: '80a' })).toEqual([
      'PORT must be an integer between 0 and 65535 (got "80a")',
      expect.stringMatching(/^TOOLS_FILE no-such-catalog\.yaml does not exist/),
    ]);
  });

  it('accepts APP_ORIGIN=* as any origin, with a warning, but not mixed with a list', () => {
    expect(loadGatewayConfig({ APP_ORIGIN: '*' }).warnings).toEqual([
      expect.stringContaining('APP_ORIGIN=* lets web pages on any origin call the gateway'),
    ]);
    expect(problemsOf({ APP_ORIGIN: '*, https://chatgpt.com' })).toEqual([
      'APP_ORIGIN is either * (any origin) or a list of origins, not both',
    ]);
  });

  it('lists every problem in one error instead of stopping at the first', () => {
    const error = thrownBy(
      () =>
        loadGatewayConfig({
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
      ['MGMT_CLIENT_SECRET', '<m2m client secret>'],
      ['GATEWAY_HMAC_SECRET', '<paste a 64-character random hex string here>'],
      ['OAUTH_INTROSPECTION_CLIENT_SECRET', '<introspection client secret>'],
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
      const error = thrownBy(() => loadGatewayConfig({ ...base, ...secrets }), ConfigValidationError);

      expect(error.message).toContain('GATEWAY_HMAC_SECRET must be at least 32 characters');
      expect(error.message).toContain('(got "<redacted>")');
      for (const secret of Object.values(secrets)) expect(error.message).not.toContain(secret);
    });
  });
});
