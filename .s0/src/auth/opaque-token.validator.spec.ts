import { testAuthConfig } from '../testing/config.fixtures';
import { AuthErrorCode, AuthException } from './auth.exception';
import type { IssuerHttpClient, IssuerHttpRequest } from './issuer-http.client';
import { IssuerHttpError } from './issuer-http.client';
import type { IssuerClient } from './issuer.client';
import { OpaqueTokenValidator } from './opaque-token.validator';
import { ScopeRegistry } from './scope.registry';
import { tokenFingerprint } from './token-result.cache';

const INTROSPECT = 'https://idp.example.com/introspect';
const NOW_S = Math.floor(Date.now() / 1000);

/** The validator with the HTTP client replaced: it records each request and answers `answer`. */
function validatorWith(
  env: Record<string, string>,
  answer: (url: string, init: IssuerHttpRequest) => unknown,
): { validator: OpaqueTokenValidator; requests: Array<{ url: string; init: IssuerHttpRequest }> } {
  const requests: Array<{ url: string; init: IssuerHttpRequest }> = [];
  const http = {
    json: async (url: string, init: IssuerHttpRequest) => {
      requests.push({ url, init });
      return { status: 200, headers: {}, body: await answer(url, init) };
    },
  } as unknown as IssuerHttpClient;
  const issuer = { endpoint: async (_field: string, configured?: string) => configured! } as IssuerClient;
  const config = testAuthConfig({
    OAUTH_TOKEN_FORMATS: 'opaque',
    OAUTH_INTROSPECTION_URL: INTROSPECT,
    OAUTH_INTROSPECTION_CLIENT_ID: 'gate way',
    OAUTH_INTROSPECTION_CLIENT_SECRET: 's3cret:with/odd&chars',
    ...env,
  });
  const validator = new OpaqueTokenValidator(config, issuer, http, new ScopeRegistry(config));
  return { validator, requests };
}

const active = (): Record<string, unknown> => ({
  active: true,
  sub: 'u-1',
  aud: 'https://api.example.com',
  iss: 'https://tenant.example.auth0.com/',
  scope: 'write:repository',
  exp: NOW_S + 300,
});

describe('OpaqueTokenValidator', () => {
  it('introspects with client_secret_basic (RFC 6749 §2.3.1 form-encoded credentials) and the token hint', async () => {
    const { validator, requests } = validatorWith({}, active);

    await validator.validate('opaque-1', tokenFingerprint('opaque-1'));

    expect(requests).toEqual([
      {
        url: INTROSPECT,
        init: {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from('gate%20way:s3cret%3Awith%2Fodd%26chars').toString('base64')}`,
          },
          form: { token: 'opaque-1', token_type_hint: 'access_token' },
        },
      },
    ]);
  });

  it('sends the credentials in the body with client_secret_post', async () => {
    const { validator, requests } = validatorWith(
      { OAUTH_INTROSPECTION_AUTH_METHOD: 'client_secret_post' },
      active,
    );

    await validator.validate('opaque-2', tokenFingerprint('opaque-2'));

    expect(requests[0].init).toEqual({
      method: 'POST',
      headers: {},
      form: {
        token: 'opaque-2',
        token_type_hint: 'access_token',
        client_id: 'gate way',
        client_secret: 's3cret:with/odd&chars',
      },
    });
  });

  it('applies the declared scope implications once, when the answer is cached', async () => {
    const { validator, requests } = validatorWith(
      { OAUTH_SCOPE_IMPLICATIONS: '{"write:repository":["read:repository"]}' },
      active,
    );
    const key = tokenFingerprint('opaque-3');

    const first = await validator.validate('opaque-3', key);
    const second = await validator.validate('opaque-3', key);

    expect(first).toMatchObject({
      validation: 'introspection',
      user: { scopesObserved: ['write:repository'], scopes: ['write:repository', 'read:repository'] },
    });
    expect(second).toEqual({ validation: 'cache', user: first.user });
    expect(requests).toHaveLength(1);
  });

  it('answers 503 TOKEN_VALIDATION_UNAVAILABLE when the provider refuses the gateway client, and caches nothing', async () => {
    const { validator, requests } = validatorWith({}, (url) => {
      throw new IssuerHttpError(url, 'http_status', 'HTTP 401', 401);
    });
    const key = tokenFingerprint('opaque-4');

    for (let attempt = 0; attempt < 2; attempt += 1) {
      const error = await validator.validate('opaque-4', key).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AuthException);
      expect(error).toMatchObject({ code: AuthErrorCode.TOKEN_VALIDATION_UNAVAILABLE, status: 503 });
    }
    expect(requests).toHaveLength(2);
  });

  it('answers 503 when the provider answers something that is not a JSON object', async () => {
    const { validator } = validatorWith({}, () => ['active', true]);

    await expect(validator.validate('opaque-5', tokenFingerprint('opaque-5'))).rejects.toMatchObject({
      code: AuthErrorCode.TOKEN_VALIDATION_UNAVAILABLE,
    });
  });
});
