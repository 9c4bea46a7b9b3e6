import {
  checkAllowList,
  clientPatch,
  isPrepared,
  PERMISSIVE_CLIENT,
  resolveMode,
  TenantView,
} from './client-policy';
import type { Auth0Client } from './management.types';

/** What the gateway may write on a strict (third-party) client: a subset of the fields Auth0 curates. */
const STRICT_CLIENT_FIELDS = ['grant_types'];

const allowList = {
  clientNamePattern: /^(ChatGPT|OpenAI)\b/i,
  redirectHosts: ['chatgpt.com', 'chat.openai.com'],
  redirectPaths: ['/connector/oauth/', '/connector_platform_oauth_redirect'],
};
const chatgpt = (overrides: Partial<Auth0Client> = {}): Auth0Client => ({
  client_id: 'tpc_1',
  name: 'ChatGPT',
  callbacks: ['https://chatgpt.com/connector_platform_oauth_redirect'],
  is_first_party: false,
  grant_types: ['authorization_code'],
  token_endpoint_auth_method: 'client_secret_basic',
  ...overrides,
});

describe('checkAllowList', () => {
  it('allows a ChatGPT or OpenAI client whose every callback is https on a ChatGPT host and path', () => {
    expect(checkAllowList(chatgpt(), allowList)).toEqual({ allowed: true });
    expect(
      checkAllowList(
        chatgpt({
          name: 'openai connector',
          callbacks: [
            'https://chat.openai.com/connector/oauth/abc123',
            'https://CHATGPT.com/connector/oauth/x',
          ],
        }),
        allowList,
      ),
    ).toEqual({ allowed: true });
  });

  it.each([
    ['another name', { name: 'MyChatGPT clone' }, 'does not match DCR_CLIENT_NAME_PATTERN'],
    ['no callbacks', { callbacks: [] }, 'no redirect URI'],
    [
      'one foreign callback among ChatGPT ones',
      { callbacks: ['https://chatgpt.com/connector/oauth/x', 'https://evil.example/cb'] },
      'https://evil.example/cb',
    ],
    [
      'a look-alike host',
      { callbacks: ['https://chatgpt.com.evil.example/cb'] },
      'outside DCR_REDIRECT_HOSTS',
    ],
    ['plain http', { callbacks: ['http://chatgpt.com/cb'] }, 'outside DCR_REDIRECT_HOSTS'],
    ['a callback that is not a URL', { callbacks: ['chatgpt.com'] }, 'outside DCR_REDIRECT_HOSTS'],
    [
      "a custom GPT action's callback on chat.openai.com",
      { callbacks: ['https://chat.openai.com/aip/g-attacker/oauth/callback'] },
      'outside DCR_REDIRECT_HOSTS',
    ],
    [
      'the bare connector prefix',
      { callbacks: ['https://chatgpt.com/connector/oauth/'] },
      'outside DCR_REDIRECT_HOSTS',
    ],
    [
      'user info in the URL',
      { callbacks: ['https://evil@chatgpt.com/connector/oauth/x'] },
      'outside DCR_REDIRECT_HOSTS',
    ],
    [
      'an explicit port',
      { callbacks: ['https://chatgpt.com:8443/connector/oauth/x'] },
      'outside DCR_REDIRECT_HOSTS',
    ],
    [
      'a grant type that needs no redirect',
      { grant_types: ['authorization_code', 'urn:ietf:params:oauth:grant-type:device_code'] },
      'grant type(s) a connector does not use',
    ],
  ])('refuses a client with %s', (_name, overrides, reason) => {
    const verdict = checkAllowList(chatgpt(overrides), allowList);
    expect(verdict.allowed).toBe(false);
    expect(verdict.allowed === false && verdict.reason).toContain(reason);
  });
});

describe('checkAllowList with DCR_CLIENTS_CREATED_AFTER (several gateways on one tenant)', () => {
  const since = { ...allowList, createdAfter: Date.parse('2026-12-01T00:00:00Z') };

  it('prepares a client created after the instant', () => {
    expect(checkAllowList(chatgpt({ created_at: '2026-12-01T00:00:01.000Z' }), since)).toEqual({
      allowed: true,
    });
  });

  it('leaves a client created at or before it to the other gateways, saying why', () => {
    expect(checkAllowList(chatgpt({ created_at: '2026-11-30T23:59:59.000Z' }), since)).toEqual({
      allowed: false,
      reason: 'created 2026-11-30T23:59:59.000Z, not after DCR_CLIENTS_CREATED_AFTER',
    });
    expect(checkAllowList(chatgpt({ created_at: '2026-12-01T00:00:00.000Z' }), since).allowed).toBe(false);
  });

  it('refuses a client whose creation time is missing or unreadable (deny by default)', () => {
    for (const created_at of [undefined, 'yesterday']) {
      expect(checkAllowList(chatgpt({ created_at }), since)).toEqual({
        allowed: false,
        reason: 'its creation time is unknown and DCR_CLIENTS_CREATED_AFTER is set',
      });
    }
  });

  it('ignores the creation time when the setting is unset', () => {
    expect(checkAllowList(chatgpt({ created_at: '2020-01-01T00:00:00Z' }), allowList)).toEqual({
      allowed: true,
    });
  });
});

describe('resolveMode', () => {
  it('uses DCR_MODE when it is not auto', () => {
    expect(resolveMode('permissive', 'strict', chatgpt({ client_id: 'tpc_x' }))).toBe('permissive');
    expect(resolveMode('strict', 'permissive', chatgpt({ client_id: 'abc' }))).toBe('strict');
  });

  it('in auto mode trusts the client first, then tpc_ ids, then the tenant setting, else strict', () => {
    expect(
      resolveMode('auto', 'strict', chatgpt({ client_id: 'abc', third_party_security_mode: 'permissive' })),
    ).toBe('permissive');
    expect(resolveMode('auto', 'permissive', chatgpt({ client_id: 'tpc_abc' }))).toBe('strict');
    expect(resolveMode('auto', 'permissive', chatgpt({ client_id: 'abc' }))).toBe('permissive');
    expect(resolveMode('auto', undefined, chatgpt({ client_id: 'abc' }))).toBe('strict');
  });
});

describe('clientPatch', () => {
  it('promotes a permissive client as the earlier gateway did, and writes nothing once it is promoted', () => {
    expect(clientPatch(chatgpt({ client_id: 'abc' }), 'permissive')).toEqual({
      ...PERMISSIVE_CLIENT,
      app_type: 'regular_web',
    });
    const promoted = chatgpt({ ...PERMISSIVE_CLIENT, grant_types: ['refresh_token', 'authorization_code'] });
    expect(clientPatch(promoted, 'permissive')).toBeUndefined();
  });

  it('only writes the differing fields', () => {
    const almost = chatgpt({
      ...PERMISSIVE_CLIENT,
      grant_types: [...PERMISSIVE_CLIENT.grant_types],
      token_endpoint_auth_method: 'client_secret_post',
    });
    expect(clientPatch(almost, 'permissive')).toEqual({ token_endpoint_auth_method: 'none' });
  });

  it('in strict mode sets exactly the code and refresh grants, never touches is_first_party', () => {
    const patch = clientPatch(chatgpt({ grant_types: ['authorization_code', 'implicit'] }), 'strict');
    expect(patch).toEqual({ grant_types: ['authorization_code', 'refresh_token'] });
    expect(Object.keys(patch!).every((field) => STRICT_CLIENT_FIELDS.includes(field))).toBe(true);
    expect(
      clientPatch(chatgpt({ grant_types: ['refresh_token', 'authorization_code'] }), 'strict'),
    ).toBeUndefined();
  });
});

describe('isPrepared', () => {
  const scopes = ['docs:read', 'docs:write'];
  const view = (grantScopes: string[] | undefined, enabled: boolean[]): TenantView => ({
    grants: new Map(grantScopes ? [['tpc_1', { id: 'cgr_1', client_id: 'tpc_1', scope: grantScopes }]] : []),
    enabledClients: enabled.map((on) => new Set(on ? ['tpc_1'] : [])),
  });
  const ready = chatgpt({ grant_types: ['authorization_code', 'refresh_token'] });

  it('is prepared only with the fields, every connection and a complete grant', () => {
    expect(isPrepared(ready, 'strict', view(scopes, [true, true]), scopes)).toBe(true);
    expect(isPrepared(chatgpt(), 'strict', view(scopes, [true]), scopes)).toBe(false);
    expect(isPrepared(ready, 'strict', view(scopes, [true, false]), scopes)).toBe(false);
    expect(isPrepared(ready, 'strict', view(['docs:read'], [true]), scopes)).toBe(false);
    expect(isPrepared(ready, 'strict', view(undefined, [true]), scopes)).toBe(false);
    expect(isPrepared(ready, 'permissive', view(scopes, [true]), scopes)).toBe(false);
  });
});
