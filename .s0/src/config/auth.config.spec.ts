import { buildAuthConfig } from './auth.config';

describe('buildAuthConfig', () => {
  it('defaults to RS256 only, 5 s clock tolerance, a 30 s JWKS cooldown, 1 MiB issuer answers and no debug endpoint', () => {
    expect(buildAuthConfig({})).toEqual({
      issuer: '',
      audience: '',
      resource: '',
      jwksUri: undefined,
      algorithms: ['RS256'],
      tokenTypes: ['at+jwt', 'jwt', 'absent'],
      extraScopes: [],
      scopeChallenge: 'operation',
      clockToleranceS: 5,
      tokenCacheMax: 10_000,
      jwksCooldownMs: 30_000,
      jwksMaxAgeMs: 600_000,
      httpTimeoutMs: 5000,
      maxResponseBytes: 1_048_576,
      metadataTtlMs: 300_000,
      tokenFormats: ['jwt'],
      opaque: {
        validation: 'introspection',
        introspectionUrl: undefined,
        clientId: '',
        clientSecret: '',
        authMethod: 'client_secret_basic',
        userinfoUrl: undefined,
        cacheTtlMs: 60_000,
        negativeCacheTtlMs: 10_000,
      },
      scopeImplications: {},
      apiProbe: undefined,
    });
  });

  it('announces OAUTH_AUDIENCE as the resource unless OAUTH_RESOURCE is set', () => {
    expect(buildAuthConfig({ OAUTH_AUDIENCE: 'https://api.example.com' }).resource).toBe(
      'https://api.example.com',
    );
    expect(
      buildAuthConfig({
        OAUTH_AUDIENCE: 'https://api.example.com',
        OAUTH_RESOURCE: 'https://gw.example.com/mcp',
      }).resource,
    ).toBe('https://gw.example.com/mcp');
  });

  it('reads lists, booleans and seconds the way .env.sample writes them', () => {
    expect(
      buildAuthConfig({
        OAUTH_ALGORITHMS: 'RS256, PS256',
        OAUTH_SCOPES: 'crm:read crm:write',
        DEBUG_TOKEN_ENABLED: 'yes',
        JWKS_COOLDOWN_S: '0',
        OAUTH_METADATA_TTL_S: '60',
      }),
    ).toMatchObject({
      algorithms: ['RS256', 'PS256'],
      extraScopes: ['crm:read', 'crm:write'],
      jwksCooldownMs: 0,
      metadataTtlMs: 60_000,
    });
  });

  it('reads SCOPE_CHALLENGE and refuses an unknown mode', () => {
    expect(buildAuthConfig({ SCOPE_CHALLENGE: 'held-and-required' }).scopeChallenge).toBe(
      'held-and-required',
    );
    expect(() => buildAuthConfig({ SCOPE_CHALLENGE: 'union' })).toThrow(
      'SCOPE_CHALLENGE must be one of operation, held-and-required',
    );
  });

  it('refuses HS256 and none in OAUTH_ALGORITHMS', () => {
    expect(() => buildAuthConfig({ OAUTH_ALGORITHMS: 'HS256,none' })).toThrow(
      'OAUTH_ALGORITHMS may only list',
    );
  });

  describe('opaque tokens', () => {
    it('requires introspection client credentials when opaque tokens are validated by introspection', () => {
      expect(() => buildAuthConfig({ OAUTH_TOKEN_FORMATS: 'jwt,opaque' })).toThrow(
        /OAUTH_INTROSPECTION_CLIENT_ID is required[\s\S]*OAUTH_INTROSPECTION_CLIENT_SECRET is required/,
      );
      expect(
        buildAuthConfig({ OAUTH_TOKEN_FORMATS: 'opaque', OAUTH_OPAQUE_VALIDATION: 'userinfo' }).opaque
          .validation,
      ).toBe('userinfo');
    });

    it('reads the introspection settings, the cache lifetimes and the token types', () => {
      expect(
        buildAuthConfig({
          OAUTH_TOKEN_FORMATS: 'jwt opaque',
          OAUTH_INTROSPECTION_URL: 'https://idp.example.com/introspect',
          OAUTH_INTROSPECTION_CLIENT_ID: 'gateway',
          OAUTH_INTROSPECTION_CLIENT_SECRET: 's3cr3t-value',
          OAUTH_INTROSPECTION_AUTH_METHOD: 'client_secret_post',
          OAUTH_OPAQUE_CACHE_TTL_S: '5',
          OAUTH_OPAQUE_NEGATIVE_CACHE_TTL_S: '0',
        }),
      ).toMatchObject({
        tokenFormats: ['jwt', 'opaque'],
        opaque: {
          introspectionUrl: 'https://idp.example.com/introspect',
          clientId: 'gateway',
          clientSecret: 's3cr3t-value',
          authMethod: 'client_secret_post',
          cacheTtlMs: 5000,
          negativeCacheTtlMs: 0,
        },
      });
    });

    it('refuses unknown token types and validation modes, naming the variable', () => {
      expect(() => buildAuthConfig({ OAUTH_TOKEN_FORMATS: 'jwt,paseto' })).toThrow(
        'OAUTH_TOKEN_FORMATS may only list jwt and opaque',
      );
      expect(() => buildAuthConfig({ OAUTH_OPAQUE_VALIDATION: 'trust-me' })).toThrow(
        'OAUTH_OPAQUE_VALIDATION must be introspection or userinfo',
      );
    });
  });

  it('parses OAUTH_SCOPE_IMPLICATIONS and refuses anything but {"scope": ["scope", ...]}', () => {
    expect(
      buildAuthConfig({ OAUTH_SCOPE_IMPLICATIONS: '{"write:repository":["read:repository"]}' })
        .scopeImplications,
    ).toEqual({ 'write:repository': ['read:repository'] });
    for (const bad of ['{"a":"b"}', '["a"]', 'not json', '{"a":[1]}']) {
      expect(() => buildAuthConfig({ OAUTH_SCOPE_IMPLICATIONS: bad })).toThrow(
        'OAUTH_SCOPE_IMPLICATIONS must be a JSON object',
      );
    }
  });

  it('turns the API probe on with API_PROBE_URL, GET by default', () => {
    expect(
      buildAuthConfig({
        API_PROBE_URL: 'https://git.example.com/api/v1/user',
        API_PROBE_GRANTS: 'read:repository',
      }).apiProbe,
    ).toEqual({ url: 'https://git.example.com/api/v1/user', method: 'GET', grants: ['read:repository'] });
    expect(() =>
      buildAuthConfig({ API_PROBE_URL: 'https://git.example.com/api/v1/user', API_PROBE_METHOD: 'DELETE' }),
    ).toThrow('API_PROBE_METHOD must be GET or POST');
  });
});
