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
});
