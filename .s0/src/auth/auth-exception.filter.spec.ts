import { GatewayMetrics } from '../observability/gateway-metrics';
import { testAppConfig, testAuthConfig } from '../testing/config.fixtures';
import { thrownBy } from '../testing/errors';
import { FakeResponse, fakeRequest, httpContext } from '../testing/http.fixtures';
import { testUser } from '../testing/token.fixtures';
import { AUTH_ERRORS, AuthErrorCode, AuthException } from './auth.exception';
import { AuthExceptionFilter } from './auth-exception.filter';
import { ProtectedResourceService } from './protected-resource.service';
import { assertScopes } from './scope-policy';
import { ScopeRegistry } from './scope.registry';

const PRM = 'https://gw.example.com/.well-known/oauth-protected-resource';

function answer(
  exception: AuthException,
  response = new FakeResponse(),
  env: Record<string, string> = {},
): { response: FakeResponse; request: ReturnType<typeof fakeRequest> } {
  const auth = testAuthConfig({ OAUTH_SCOPES: 'crm:read crm:write', ...env });
  const scopes = new ScopeRegistry(auth);
  const filter = new AuthExceptionFilter(
    new ProtectedResourceService(testAppConfig(), auth, scopes),
    scopes,
    auth,
    new GatewayMetrics(),
  );
  const request = fakeRequest();
  filter.catch(exception, httpContext(request, undefined, undefined, response));
  return { response, request };
}

describe('AuthExceptionFilter', () => {
  it('answers a call without a token with 401, the metadata URL and the known scopes, and no error attribute', () => {
    const { response, request } = answer(
      new AuthException(AuthErrorCode.MISSING_TOKEN, 'This endpoint requires a bearer token'),
    );

    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe(
      `Bearer scope="crm:read crm:write", resource_metadata="${PRM}"`,
    );
    expect(response.body).toEqual({
      error: 'unauthorized',
      code: 'MISSING_TOKEN',
      message: 'This endpoint requires a bearer token',
      hint: AUTH_ERRORS.MISSING_TOKEN.hint,
      requestId: 'req-42',
    });
    expect(request.authOutcome).toBe('MISSING_TOKEN');
  });

  it('answers a bad token with 401 invalid_token, the reason in the header and expected/found in the body', () => {
    const exception = new AuthException(
      AuthErrorCode.AUDIENCE_MISMATCH,
      'The token\'s audience "https://other.example.com" does not include the expected "https://api.example.com"',
      { fields: { expected: 'https://api.example.com', found: 'https://other.example.com' } },
    );

    const { response } = answer(exception);

    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe(
      'Bearer error="invalid_token", error_description="The token\'s audience https://other.example.com does not include the expected https://api.example.com", ' +
        `resource_metadata="${PRM}"`,
    );
    expect(response.body).toEqual({
      error: 'invalid_token',
      code: 'AUDIENCE_MISMATCH',
      message: exception.message,
      hint: AUTH_ERRORS.AUDIENCE_MISMATCH.hint,
      expected: 'https://api.example.com',
      found: 'https://other.example.com',
      requestId: 'req-42',
    });
  });

  it('answers a missing scope with 403 insufficient_scope naming the scopes the operation needs (SEP-2350)', () => {
    const exception = thrownBy(
      () => assertScopes(testUser({ scopes: ['crm:read'] }), ['crm:write']),
      AuthException,
    );

    const { response } = answer(exception);

    expect(response.statusCode).toBe(403);
    expect(response.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", error_description="This call requires scope crm:write", ' +
        `scope="crm:write", resource_metadata="${PRM}"`,
    );
    expect(response.body).toEqual({
      error: 'insufficient_scope',
      code: 'INSUFFICIENT_SCOPE',
      message: 'This call requires scope crm:write',
      hint: AUTH_ERRORS.INSUFFICIENT_SCOPE.hint,
      required: ['crm:write'],
      missing: ['crm:write'],
      requestId: 'req-42',
    });
  });

  it('names held ∪ required in the challenge with SCOPE_CHALLENGE=held-and-required', () => {
    const exception = thrownBy(
      () => assertScopes(testUser({ scopes: ['crm:read', 'openid'] }), ['crm:write']),
      AuthException,
    );

    const { response } = answer(exception, undefined, { SCOPE_CHALLENGE: 'held-and-required' });

    expect(response.statusCode).toBe(403);
    expect(response.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", error_description="This call requires scope crm:write", ' +
        `scope="crm:read openid crm:write", resource_metadata="${PRM}"`,
    );
    expect(response.body).toMatchObject({ required: ['crm:write'], missing: ['crm:write'] });
  });

  it('answers unavailable signing keys with 503 and Retry-After, not a bearer challenge', () => {
    const { response } = answer(
      new AuthException(AuthErrorCode.SIGNING_KEYS_UNAVAILABLE, 'keys unavailable'),
    );

    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.headers['www-authenticate']).toBeUndefined();
    expect(response.body).toMatchObject({
      error: 'temporarily_unavailable',
      code: 'SIGNING_KEYS_UNAVAILABLE',
    });
  });

  it('does not write a second answer once the response has started', () => {
    const response = new FakeResponse();
    response.headersSent = true;

    answer(new AuthException(AuthErrorCode.TOKEN_EXPIRED, 'expired'), response);

    expect(response.body).toBeUndefined();
    expect(response.statusCode).toBe(200);
  });
});
