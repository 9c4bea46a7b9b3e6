import {
  SIGNATURE_HEADERS,
  signGatewayRequest,
  SignInput,
  verifyGatewaySignature,
  VerifyInput,
} from './gateway-signature';

const SECRET = '9b1e4c7a2f5d8e0b3a6c9f2e5d8b1a4c7e0f3a6d9c2b5e8f1a4d7c0b3e6f9a2d';
const NOW_S = 1_767_268_800;

const CALL: SignInput = {
  secret: SECRET,
  method: 'POST',
  path: '/functions/crm_search?page=2',
  sub: 'auth0|user-1',
  scopes: ['crm:read', 'crm:write'],
  body: '{"query":"acme"}',
  clientId: 'chatgpt-client',
  timestamp: NOW_S,
};

/** What a backend sees: the signed headers and the request as it arrived, possibly altered on the way. */
function verify(changes: Partial<VerifyInput> = {}, headerChanges: Record<string, string | undefined> = {}) {
  return verifyGatewaySignature({
    secret: SECRET,
    method: CALL.method,
    path: CALL.path,
    body: CALL.body,
    nowS: NOW_S,
    headers: { ...signGatewayRequest(CALL), ...headerChanges },
    ...changes,
  });
}

describe('gateway signature', () => {
  it('verifies what the gateway signed and returns the caller identity', () => {
    expect(verify()).toEqual({
      ok: true,
      sub: 'auth0|user-1',
      scopes: ['crm:read', 'crm:write'],
      clientId: 'chatgpt-client',
      timestamp: NOW_S,
      secretIndex: 0,
    });
  });

  describe('identities that are not plain ASCII', () => {
    it.each([
      ['non-Latin-1 characters', 'oidc|zoë-ユーザー', 'oidc|zo%C3%AB-%E3%83%A6%E3%83%BC%E3%82%B6%E3%83%BC'],
      ['CR/LF', 'auth0|a\r\nx-injected: 1', 'auth0|a%0D%0Ax-injected:%201'],
      ['a percent sign', 'auth0|100%', 'auth0|100%25'],
      ['spaces and a tab', ' a\tb ', '%20a%09b%20'],
      ['an emoji', 'user-😀', 'user-%F0%9F%98%80'],
    ])('sends a sub with %s percent-encoded and verifies it back to the original', (_label, sub, sent) => {
      const headers = signGatewayRequest({ ...CALL, sub });

      expect(headers[SIGNATURE_HEADERS.subject]).toBe(sent);
      expect(() => new Headers(headers)).not.toThrow();
      expect(verify({ headers })).toMatchObject({ ok: true, sub });
    });

    it('keeps scopes and client ids apart and round-trips them', () => {
      const call = { ...CALL, scopes: ['read all', 'éditer'], clientId: 'client ü' };
      const headers = signGatewayRequest(call);

      expect(headers[SIGNATURE_HEADERS.scopes]).toBe('read%20all %C3%A9diter');
      expect(headers[SIGNATURE_HEADERS.clientId]).toBe('client%20%C3%BC');
      expect(verify({ headers })).toMatchObject({
        ok: true,
        scopes: ['read all', 'éditer'],
        clientId: 'client ü',
      });
    });

    it('refuses an encoded sub altered on the way', () => {
      const headers = {
        ...signGatewayRequest({ ...CALL, sub: 'oidc|zoë' }),
        [SIGNATURE_HEADERS.subject]: 'oidc|zoe',
      };

      expect(verify({ headers })).toEqual({ ok: false, reason: 'bad_signature' });
    });
  });

  it('verifies a Buffer body as the same bytes as the string the gateway signed', () => {
    expect(verify({ body: Buffer.from(CALL.body as string) }).ok).toBe(true);
  });

  it('accepts the HTTP method in any case', () => {
    expect(verify({ method: 'post' }).ok).toBe(true);
  });

  it('reads a header given as an array, as Node does for repeated headers', () => {
    const headers = signGatewayRequest(CALL);
    const repeated = {
      ...headers,
      [SIGNATURE_HEADERS.subject]: [headers[SIGNATURE_HEADERS.subject], 'auth0|intruder'],
    };

    expect(verify({ headers: repeated })).toMatchObject({ ok: true, sub: 'auth0|user-1' });
  });

  it('verifies a call without scopes or client id', () => {
    const headers = signGatewayRequest({ ...CALL, scopes: [], clientId: undefined });

    expect(verify({ headers })).toEqual({
      ok: true,
      sub: 'auth0|user-1',
      scopes: [],
      clientId: undefined,
      timestamp: NOW_S,
      secretIndex: 0,
    });
  });

  describe('refuses a call altered on the way with bad_signature', () => {
    it.each<[string, Partial<VerifyInput>, Record<string, string>]>([
      ['a different body', { body: '{"query":"acme corp"}' }, {}],
      ['a different path', { path: '/functions/crm_delete?page=2' }, {}],
      ['a different query', { path: '/functions/crm_search?page=3' }, {}],
      ['a different method', { method: 'PUT' }, {}],
      ['another subject', {}, { [SIGNATURE_HEADERS.subject]: 'auth0|admin' }],
      ['added scopes', {}, { [SIGNATURE_HEADERS.scopes]: 'crm:read crm:write crm:admin' }],
      ['another client id', {}, { [SIGNATURE_HEADERS.clientId]: 'some-other-client' }],
      ['a shifted timestamp', {}, { [SIGNATURE_HEADERS.timestamp]: String(NOW_S - 1) }],
      ['a truncated signature', {}, { [SIGNATURE_HEADERS.signature]: 'v1=00' }],
    ])('%s', (_label, changes, headers) => {
      expect(verify(changes, headers)).toEqual({ ok: false, reason: 'bad_signature' });
    });

    it('another secret', () => {
      expect(verify({ secret: `${SECRET}0` })).toEqual({ ok: false, reason: 'bad_signature' });
    });

    it('none of the secrets of a rotation', () => {
      expect(verify({ secret: [`${SECRET}0`, `${SECRET}1`] })).toEqual({
        ok: false,
        reason: 'bad_signature',
      });
    });
  });

  describe('rotating the secret', () => {
    const NEXT = '4e7b0d3a6f9c2e5b8d1a4f7c0e3b6d9a2c5f8e1b4d7a0c3f6e9b2d5a8c1f4e7b';

    it('accepts calls signed with the current secret while the new one is listed first', () => {
      expect(verify({ secret: [NEXT, SECRET] })).toMatchObject({
        ok: true,
        sub: 'auth0|user-1',
        secretIndex: 1,
      });
    });

    it('accepts calls signed with the new secret, telling which one matched', () => {
      const headers = signGatewayRequest({ ...CALL, secret: NEXT });
      expect(verify({ secret: [NEXT, SECRET], headers })).toMatchObject({ ok: true, secretIndex: 0 });
    });

    it('refuses the previous secret once it is no longer listed', () => {
      const headers = signGatewayRequest({ ...CALL, secret: SECRET });
      expect(verify({ secret: [NEXT], headers })).toEqual({ ok: false, reason: 'bad_signature' });
    });
  });

  it.each([
    ['too old', NOW_S + 301],
    ['from the future', NOW_S - 301],
  ])('refuses a timestamp %s for the 300 s window as stale_timestamp', (_label, nowS) => {
    expect(verify({ nowS })).toEqual({ ok: false, reason: 'stale_timestamp' });
  });

  it('accepts a call at the edge of the window and honours a narrower one', () => {
    expect(verify({ nowS: NOW_S + 300 }).ok).toBe(true);
    expect(verify({ nowS: NOW_S + 31, maxAgeS: 30 })).toEqual({ ok: false, reason: 'stale_timestamp' });
  });

  it.each([SIGNATURE_HEADERS.timestamp, SIGNATURE_HEADERS.subject, SIGNATURE_HEADERS.signature])(
    'refuses a call without %s as missing_headers',
    (name) => {
      expect(verify({}, { [name]: undefined })).toEqual({ ok: false, reason: 'missing_headers' });
    },
  );

  it('refuses a non-numeric timestamp as missing_headers', () => {
    expect(verify({}, { [SIGNATURE_HEADERS.timestamp]: '2026-01-01T12:00:00Z' })).toEqual({
      ok: false,
      reason: 'missing_headers',
    });
  });

  it('signs with the current time when no timestamp is given', () => {
    jest.useFakeTimers({ now: NOW_S * 1000 + 999 });
    try {
      const headers = signGatewayRequest({ ...CALL, timestamp: undefined });

      expect(headers[SIGNATURE_HEADERS.timestamp]).toBe(String(NOW_S));
      expect(verify({ headers }).ok).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});
