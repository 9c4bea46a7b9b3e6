import { buildDcrConfig, validateDcrPattern } from './dcr.config';

describe('buildDcrConfig', () => {
  it('defaults to auto mode, ChatGPT redirect hosts and a 5 min reconcile, with no Management API', () => {
    expect(buildDcrConfig({})).toMatchObject({
      mgmtDomain: undefined,
      mgmtClientId: undefined,
      mgmtClientSecret: undefined,
      mgmtBaseUrl: undefined,
      webhookSecret: undefined,
      loginConnections: [],
      scopes: [],
      mode: 'auto',
      clientNamePattern: /^(ChatGPT|OpenAI)\b/i,
      redirectHosts: ['chatgpt.com', 'chat.openai.com'],
      reconcileIntervalMs: 300_000,
      managementConfigured: false,
    });
  });

  it('counts the Management API as configured only with domain, client id and secret', () => {
    const partial = { MGMT_DOMAIN: 'tenant.eu.auth0.com', MGMT_CLIENT_ID: 'mgmt-client' };

    expect(buildDcrConfig(partial).managementConfigured).toBe(false);
    expect(buildDcrConfig({ ...partial, MGMT_CLIENT_SECRET: 's3cr3t' }).managementConfigured).toBe(true);
  });

  it('merges GOOGLE_CONNECTION_NAME into LOGIN_CONNECTIONS and TOOL_SCOPES with REQUIRED_SCOPES, once each', () => {
    const config = buildDcrConfig({
      GOOGLE_CONNECTION_NAME: 'google-oauth2',
      LOGIN_CONNECTIONS: 'Username-Password-Authentication, google-oauth2',
      TOOL_SCOPES: 'crm:read crm:write',
      REQUIRED_SCOPES: 'crm:read offline_access',
      DCR_REDIRECT_HOSTS: 'ChatGPT.com',
    });

    expect(config.loginConnections).toEqual(['google-oauth2', 'Username-Password-Authentication']);
    expect(config.scopes).toEqual(['crm:read', 'crm:write', 'offline_access']);
    expect(config.redirectHosts).toEqual(['chatgpt.com']);
  });
});

describe('validateDcrPattern', () => {
  it('accepts a valid pattern and names an invalid one', () => {
    expect(validateDcrPattern('^ChatGPT')).toBeUndefined();
    expect(validateDcrPattern('[ChatGPT')).toBe(
      'DCR_CLIENT_NAME_PATTERN is not a valid regular expression (got "[ChatGPT")',
    );
  });
});
