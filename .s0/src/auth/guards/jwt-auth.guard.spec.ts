import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';

import { GatewayMetrics } from '../../observability/gateway-metrics';
import { testAuthConfig } from '../../testing/config.fixtures';
import { testRateLimits } from '../../testing/rate-limit.fixtures';
import { fakeRequest, httpContext } from '../../testing/http.fixtures';
import { compactJws, testUser } from '../../testing/token.fixtures';
import { AuthErrorCode } from '../auth.exception';
import { ALLOWS_ANONYMOUS } from '../decorators/public.decorator';
import { VerifiedTokenCache } from '../verified-token.cache';
import { bearerToken, JwtAuthGuard } from './jwt-auth.guard';

const TOKEN = compactJws(
  { alg: 'RS256', kid: 'k1' },
  { sub: 'user-1', aud: 'https://other-api.example.com' },
);

describe('JwtAuthGuard', () => {
  let reflector: { getAllAndOverride: jest.Mock };
  let cache: VerifiedTokenCache;
  let guard: JwtAuthGuard;
  let passportCheck: jest.SpyInstance;

  beforeEach(() => {
    reflector = { getAllAndOverride: jest.fn().mockReturnValue(undefined) };
    const config = testAuthConfig();
    cache = new VerifiedTokenCache(config);
    guard = new JwtAuthGuard(
      reflector as unknown as Reflector,
      cache,
      config,
      new GatewayMetrics(),
      testRateLimits(),
    );
    // The passport-jwt verification that the guard delegates to; it must not run when the guard decides alone.
    passportCheck = jest.spyOn(AuthGuard('jwt').prototype, 'canActivate').mockResolvedValue(true);
  });

  afterEach(() => jest.restoreAllMocks());

  it('lets a @Public() route through without a token', async () => {
    reflector.getAllAndOverride.mockReturnValue(true);

    await expect(guard.canActivate(httpContext(fakeRequest()))).resolves.toBe(true);
    expect(passportCheck).not.toHaveBeenCalled();
  });

  it('reads @Public() from the handler first, then the controller', async () => {
    class Controller {}
    const handler = (): void => undefined;
    reflector.getAllAndOverride.mockReturnValue(true);

    await guard.canActivate(httpContext(fakeRequest(), Controller, handler));

    expect(reflector.getAllAndOverride).toHaveBeenCalledWith(expect.anything(), [handler, Controller]);
  });

  it.each([
    ['no Authorization header', {}],
    ['a Basic credential', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['"Bearer" without a token', { authorization: 'Bearer ' }],
    ['a token in another header', { 'x-access-token': TOKEN }],
  ])('answers MISSING_TOKEN for %s', async (_label, headers) => {
    await expect(guard.canActivate(httpContext(fakeRequest({ headers })))).rejects.toMatchObject({
      code: AuthErrorCode.MISSING_TOKEN,
    });
    expect(passportCheck).not.toHaveBeenCalled();
  });

  describe('on an @AllowAnonymous() route', () => {
    beforeEach(() =>
      reflector.getAllAndOverride.mockImplementation((key: unknown) =>
        key === ALLOWS_ANONYMOUS ? true : undefined,
      ),
    );

    it('lets a request without an Authorization header through, without a user', async () => {
      const request = fakeRequest();

      await expect(guard.canActivate(httpContext(request))).resolves.toBe(true);
      expect(request.user).toBeUndefined();
      expect(request.authOutcome).toBe('anonymous');
      expect(passportCheck).not.toHaveBeenCalled();
    });

    it('still verifies a token that is sent, and refuses a malformed one', async () => {
      await expect(
        guard.canActivate(httpContext(fakeRequest({ headers: { authorization: `Bearer ${TOKEN}` } }))),
      ).resolves.toBe(true);
      expect(passportCheck).toHaveBeenCalledTimes(1);
      await expect(
        guard.canActivate(httpContext(fakeRequest({ headers: { authorization: 'Basic dXNlcjpwYXNz' } }))),
      ).rejects.toMatchObject({ code: AuthErrorCode.MISSING_TOKEN });
    });
  });

  it('refuses a 5-part JWE before any signature check', async () => {
    const request = fakeRequest({ headers: { authorization: 'Bearer a.b.c.d.e' } });

    await expect(guard.canActivate(httpContext(request))).rejects.toMatchObject({
      code: AuthErrorCode.ACCESS_TOKEN_IS_ENCRYPTED_JWE,
    });
    expect(passportCheck).not.toHaveBeenCalled();
  });

  it('hands a well-formed token to the passport-jwt strategy', async () => {
    const request = fakeRequest({ headers: { authorization: `Bearer ${TOKEN}` } });

    await expect(guard.canActivate(httpContext(request))).resolves.toBe(true);
    expect(passportCheck).toHaveBeenCalledTimes(1);
  });

  it('serves a token verified earlier from the cache without verifying it again', async () => {
    const user = testUser();
    const first = fakeRequest({ headers: { authorization: `Bearer ${TOKEN}` } });
    guard.handleRequest(null, user, undefined, httpContext(first));
    const second = fakeRequest({ headers: { authorization: `Bearer ${TOKEN}` } });

    await expect(guard.canActivate(httpContext(second))).resolves.toBe(true);

    expect(passportCheck).not.toHaveBeenCalled();
    expect(second.user).toBe(user);
    expect(second.authOutcome).toBe('ok (cached)');
  });

  describe('after passport-jwt has verified the token', () => {
    const request = (): ReturnType<typeof fakeRequest> =>
      fakeRequest({ headers: { authorization: `Bearer ${TOKEN}` } });

    it('returns the verified user and records the outcome', () => {
      const user = testUser();
      const req = request();

      expect(guard.handleRequest(null, user, undefined, httpContext(req))).toBe(user);
      expect(req.authOutcome).toBe('ok');
      expect(cache.get(TOKEN)).toBe(user);
    });

    it('maps the jsonwebtoken failure using the token claims, e.g. the audience it carries', () => {
      const info = Object.assign(new Error('jwt audience invalid. expected: https://api.example.com'), {
        name: 'JsonWebTokenError',
      });

      expect(() => guard.handleRequest(null, false, info, httpContext(request()))).toThrow(
        expect.objectContaining({
          code: AuthErrorCode.AUDIENCE_MISMATCH,
          details: {
            fields: { expected: 'https://api.example.com', found: 'https://other-api.example.com' },
          },
        }),
      );
      expect(cache.size).toBe(0);
    });
  });
});

describe('bearerToken', () => {
  it('accepts the scheme in any case and surrounding spaces', () => {
    expect(bearerToken(fakeRequest({ headers: { authorization: 'bearer   abc.def.ghi ' } }))).toBe(
      'abc.def.ghi',
    );
  });

  it('refuses two tokens in one header', () => {
    expect(() => bearerToken(fakeRequest({ headers: { authorization: 'Bearer abc def' } }))).toThrow(
      expect.objectContaining({ code: AuthErrorCode.MISSING_TOKEN }),
    );
  });
});
