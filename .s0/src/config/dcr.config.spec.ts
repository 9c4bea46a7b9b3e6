import { buildDcrConfig, dcrEnvironmentProblems } from './dcr.config';
import { ConfigValidationError, loadGatewayConfig } from './gateway-config';

const MGMT = {
  MGMT_DOMAIN: 'tenant.us.auth0.com',
  MGMT_CLIENT_ID: 'abc',
  MGMT_CLIENT_SECRET: 's3cr3t-value',
  OAUTH_AUDIENCE: 'https://api',
};

describe('buildDcrConfig', () => {
  it('points the Management API at the tenant domain by default, at MGMT_BASE_URL when set', () => {
    expect(buildDcrConfig(MGMT)).toMatchObject({
      managementConfigured: true,
      mgmtBaseUrl: 'https://tenant.us.auth0.com',
      mgmtAudience: 'https://tenant.us.auth0.com/api/v2/',
    });
    expect(buildDcrConfig({ ...MGMT, MGMT_BASE_URL: 'http://127.0.0.1:9999/' })).toMatchObject({
      mgmtBaseUrl: 'http://127.0.0.1:9999',
      mgmtAudience: 'https://tenant.us.auth0.com/api/v2/',
    });
  });

  it('merges the connection and scope lists and turns seconds into milliseconds', () => {
    const config = buildDcrConfig({
      GOOGLE_CONNECTION_NAME: 'google-oauth2',
      LOGIN_CONNECTIONS: 'corp-db, google-oauth2',
      TOOL_SCOPES: 'docs:read docs:write',
      REQUIRED_SCOPES: 'docs:read,admin',
      DCR_RECONCILE_INTERVAL_S: '0',
    });
    expect(config.loginConnections).toEqual(['google-oauth2', 'corp-db']);
    expect(config.scopes).toEqual(['docs:read', 'docs:write', 'admin']);
    expect(config.reconcileIntervalMs).toBe(0);
    expect(config.managementConfigured).toBe(false);
  });

  it('reads DCR_CLIENTS_CREATED_AFTER as an instant and refuses anything but ISO 8601', () => {
    expect(
      buildDcrConfig({ DCR_CLIENTS_CREATED_AFTER: '2026-12-01T09:30:00+01:00' }).clientsCreatedAfter,
    ).toBe(Date.parse('2026-12-01T08:30:00Z'));
    expect(buildDcrConfig({}).clientsCreatedAfter).toBeUndefined();
    expect(() => loadGatewayConfig({ DCR_CLIENTS_CREATED_AFTER: '01/12/2026' })).toThrow(
      'DCR_CLIENTS_CREATED_AFTER must be an ISO 8601 date-time, e.g. 2026-12-01T00:00:00Z',
    );
  });
});

describe('DCR configuration checks', () => {
  it('accepts a complete Management configuration and an empty one', () => {
    expect(dcrEnvironmentProblems(MGMT)).toEqual([]);
    expect(dcrEnvironmentProblems({})).toEqual([]);
  });

  it('names the missing half of a Management configuration', () => {
    expect(dcrEnvironmentProblems({ MGMT_DOMAIN: 'tenant.us.auth0.com', OAUTH_AUDIENCE: 'x' })).toEqual([
      'MGMT_CLIENT_ID, MGMT_CLIENT_SECRET are missing: set MGMT_DOMAIN, MGMT_CLIENT_ID and MGMT_CLIENT_SECRET together (the Management API application)',
    ]);
  });

  it('refuses a domain with a scheme, host names with paths, and plain-http MGMT_BASE_URL in production', () => {
    const problems = dcrEnvironmentProblems({
      ...MGMT,
      MGMT_DOMAIN: 'https://tenant.us.auth0.com/',
      DCR_REDIRECT_HOSTS: 'chatgpt.com,https://chat.openai.com',
      MGMT_BASE_URL: 'http://auth0-proxy.internal',
      NODE_ENV: 'production',
    });
    expect(problems).toEqual([
      expect.stringContaining("MGMT_DOMAIN must be the tenant's bare host name"),
      'DCR_REDIRECT_HOSTS takes host names only, e.g. chatgpt.com (got "https://chat.openai.com")',
      'MGMT_BASE_URL must use https:// when NODE_ENV=production (it carries the Management API token)',
    ]);
  });

  it('asks for OAUTH_AUDIENCE when Management is configured', () => {
    const { OAUTH_AUDIENCE: _audience, ...withoutAudience } = MGMT;
    expect(dcrEnvironmentProblems(withoutAudience)).toEqual([
      'OAUTH_AUDIENCE is required when MGMT_* is set: DCR clients are granted access to that API',
    ]);
  });

  it('reports DCR problems together with every other problem, secrets redacted', () => {
    let error: unknown;
    try {
      loadGatewayConfig({
        MGMT_DOMAIN: 'tenant.us.auth0.com',
        DCR_MODE: 'loose',
        DCR_CLIENT_NAME_PATTERN: '(',
        LOG_WEBHOOK_SECRET: 'short-secret',
        PORT: 'x',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const problems = (error as ConfigValidationError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        'DCR_MODE must be one of auto, strict, permissive (got "loose")',
        'DCR_CLIENT_NAME_PATTERN is not a valid regular expression (got "(")',
        'LOG_WEBHOOK_SECRET must be at least 24 characters (use: openssl rand -hex 24) (got "<redacted>")',
        expect.stringContaining('MGMT_CLIENT_ID, MGMT_CLIENT_SECRET are missing'),
        expect.stringContaining('PORT must be an integer'),
      ]),
    );
    expect(problems.join('\n')).not.toContain('short-secret');
  });
});
