import { bearerChallenge } from './www-authenticate';

const PRM = 'https://gw.example.com/.well-known/oauth-protected-resource';

describe('bearerChallenge', () => {
  it('announces only the metadata URL when no token was sent (RFC 6750 §3.1: no error attribute)', () => {
    expect(bearerChallenge({ resourceMetadata: PRM })).toBe(`Bearer resource_metadata="${PRM}"`);
  });

  it('adds the scopes a client should request', () => {
    expect(bearerChallenge({ resourceMetadata: PRM, scopes: ['crm:read', 'crm:write'] })).toBe(
      `Bearer scope="crm:read crm:write", resource_metadata="${PRM}"`,
    );
  });

  it('leaves out an empty scope list', () => {
    expect(bearerChallenge({ resourceMetadata: PRM, scopes: [] })).toBe(`Bearer resource_metadata="${PRM}"`);
  });

  it('orders error, error_description, scope, resource_metadata', () => {
    expect(
      bearerChallenge({
        resourceMetadata: PRM,
        error: 'insufficient_scope',
        errorDescription: 'This call requires scope crm:write',
        scopes: ['crm:read', 'crm:write'],
      }),
    ).toBe(
      `Bearer error="insufficient_scope", error_description="This call requires scope crm:write", scope="crm:read crm:write", resource_metadata="${PRM}"`,
    );
  });

  it('strips quotes, backslashes and non-ASCII characters that would break the quoted-string', () => {
    expect(
      bearerChallenge({
        resourceMetadata: PRM,
        error: 'invalid_token',
        errorDescription: 'The token\'s audience "api\\x" does not include\n the expected "é"',
      }),
    ).toBe(
      `Bearer error="invalid_token", error_description="The token's audience apix does not include the expected ", resource_metadata="${PRM}"`,
    );
  });
});
