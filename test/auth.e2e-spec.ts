import { generateKeyPairSync } from 'node:crypto';

import { withInProcessScopes } from '../src/testing/tool.fixtures';
import { TestGateway } from './support/gateway-harness';
import { SignedBackend } from './support/signed-backend';
import { TestIssuer } from './support/test-issuer';
import { startTokenStack, TokenStack } from './support/token-stack';

const SECRET = 'f'.repeat(64);

describe('bearer-token authentication (RFC 6750 / RFC 9728)', () => {
  let stack: TokenStack;
  let issuer: TestIssuer;
  let backend: SignedBackend;
  let gateway: TestGateway;
  let audience: string;
  let prmUrl: string;

  beforeAll(async () => {
    stack = await startTokenStack({
      secret: SECRET,
      env: { OAUTH_CLOCK_TOLERANCE_S: '0', JWKS_COOLDOWN_S: '0' },
      tools: () => [
        {
          name: 'search',
          description: 'Search',
          scopes: ['tools:read'],
          inputSchema: { type: 'object', properties: { q: { type: 'string' } } },
        },
        { name: 'write', description: 'Write', scopes: ['tools:read', 'tools:write'] },
      ],
    });
    ({ issuer, backend, gateway, audience, prmUrl } = stack);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const call = (token?: string, tool = 'search'): Promise<Response> =>
    fetch(`${gateway.url}/tools/${tool}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ q: 'x' }),
    });

  async function expectInvalidToken(token: string, code: string): Promise<Record<string, unknown>> {
    const response = await call(token);
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status).toBe(401);
    expect(body).toMatchObject({ error: 'invalid_token', code });
    expect(typeof body.hint).toBe('string');
    expect(body.requestId).toBe(response.headers.get('x-request-id'));
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(
      /^Bearer error="invalid_token", error_description="[^"]+", resource_metadata="/,
    );
    expect(challenge).toContain(`resource_metadata="${prmUrl}"`);
    expect(JSON.stringify(body)).not.toContain(token);
    return body;
  }

  it('answers 401 without a token, with resource_metadata and no error attribute', async () => {
    const response = await call();
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer scope="${withInProcessScopes(['tools:read', 'tools:write']).join(' ')}", resource_metadata="${prmUrl}"`,
    );
    expect(await response.json()).toMatchObject({ error: 'unauthorized', code: 'MISSING_TOKEN' });
  });

  it('treats a non-Bearer Authorization header as no token', async () => {
    const response = await fetch(`${gateway.url}/tools/search`, {
      method: 'POST',
      headers: { authorization: 'Basic YTpi' },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).not.toContain('error=');
  });

  it("forwards a valid token's call with a signed identity and without the bearer token", async () => {
    const token = issuer.sign(issuer.claims(audience));
    const response = await fetch(`${gateway.url}/tools/search`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'x-request-id': 'req-forward-1',
      },
      body: JSON.stringify({ q: 'hello' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('req-forward-1');
    expect(await response.json()).toEqual({
      ok: true,
      sub: 'auth0|alice',
      scopes: ['openid', 'tools:read'],
      args: { q: 'hello' },
    });
    const seen = backend.calls.at(-1)!;
    expect(seen.verdict.ok).toBe(true);
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers['x-request-id']).toBe('req-forward-1');
    expect(seen.headers['x-gateway-client-id']).toBe('client-1');
  });

  it('accepts scopes from RBAC permissions[] as well as scope', async () => {
    const token = issuer.sign(
      issuer.claims(audience, { scope: 'openid', permissions: ['tools:read', 'tools:write'] }),
    );
    const response = await call(token, 'write');
    expect(response.status).toBe(200);
  });

  it('rejects an expired token with TOKEN_EXPIRED', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectInvalidToken(
      issuer.sign(issuer.claims(audience, { iat: now - 600, exp: now - 60 })),
      'TOKEN_EXPIRED',
    );
  });

  it('rejects a token that is not valid yet with TOKEN_NOT_YET_VALID', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectInvalidToken(issuer.sign(issuer.claims(audience, { nbf: now + 600 })), 'TOKEN_NOT_YET_VALID');
  });

  it('rejects a token for another audience and says which audience it found and expected', async () => {
    const body = await expectInvalidToken(
      issuer.sign(issuer.claims(audience, { aud: 'https://other-api.example.com' })),
      'AUDIENCE_MISMATCH',
    );
    expect(body).toMatchObject({ expected: audience, found: 'https://other-api.example.com' });
  });

  it('rejects a token from another issuer with ISSUER_MISMATCH', async () => {
    const body = await expectInvalidToken(
      issuer.sign(issuer.claims(audience, { iss: 'https://evil.example.com/' })),
      'ISSUER_MISMATCH',
    );
    expect(body).toMatchObject({ expected: issuer.issuer, found: 'https://evil.example.com/' });
  });

  it('rejects alg "none" with ALGORITHM_NOT_ALLOWED', async () => {
    const body = await expectInvalidToken(
      issuer.sign(issuer.claims(audience), { alg: 'none' }),
      'ALGORITHM_NOT_ALLOWED',
    );
    expect(body).toMatchObject({ found: 'none', allowed: ['RS256'] });
  });

  it("rejects HS256 signed with the issuer's public key with ALGORITHM_NOT_ALLOWED", async () => {
    await expectInvalidToken(issuer.sign(issuer.claims(audience), { alg: 'HS256' }), 'ALGORITHM_NOT_ALLOWED');
  });

  it('rejects a token signed by another key under a known kid with BAD_SIGNATURE', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expectInvalidToken(issuer.sign(issuer.claims(audience), {}, privateKey), 'BAD_SIGNATURE');
  });

  it('rejects an unknown kid with UNKNOWN_SIGNING_KEY', async () => {
    const body = await expectInvalidToken(
      issuer.sign(issuer.claims(audience), { kid: 'not-a-published-kid' }),
      'UNKNOWN_SIGNING_KEY',
    );
    expect(body).toMatchObject({ kid: 'not-a-published-kid' });
  });

  it('rejects a 5-part JWE with ACCESS_TOKEN_IS_ENCRYPTED_JWE and the audience fix in the hint', async () => {
    const body = await expectInvalidToken(
      'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..iv.ciphertext.tag',
      'ACCESS_TOKEN_IS_ENCRYPTED_JWE',
    );
    expect(body.hint).toContain('audience');
  });

  it('rejects garbage with ACCESS_TOKEN_NOT_JWS', async () => {
    await expectInvalidToken('not-a-jwt-at-all', 'ACCESS_TOKEN_NOT_JWS');
    await expectInvalidToken('gto_opaqueGiteaStyleToken1234', 'ACCESS_TOKEN_NOT_JWS');
  });

  it('rejects a token without sub with TOKEN_NO_SUB', async () => {
    await expectInvalidToken(issuer.sign(issuer.claims(audience, { sub: undefined })), 'TOKEN_NO_SUB');
  });

  it('rejects a token without exp with TOKEN_CLAIMS_INVALID', async () => {
    await expectInvalidToken(
      issuer.sign(issuer.claims(audience, { exp: undefined })),
      'TOKEN_CLAIMS_INVALID',
    );
  });

  it('picks up a rotated signing key without restart', async () => {
    issuer.rotate();
    const response = await call(issuer.sign(issuer.claims(audience)));
    expect(response.status).toBe(200);
  });

  it('answers 403 insufficient_scope naming the scopes the tool needs', async () => {
    const token = issuer.sign(issuer.claims(audience, { scope: 'openid tools:read' }));
    const response = await call(token, 'write');
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer error="insufficient_scope", error_description="Tool write requires scope tools:write", scope="tools:read tools:write", resource_metadata="${prmUrl}"`,
    );
    expect(await response.json()).toMatchObject({
      error: 'insufficient_scope',
      code: 'INSUFFICIENT_SCOPE',
      required: ['tools:read', 'tools:write'],
      missing: ['tools:write'],
    });
  });

  it('never accepts a token from the query string', async () => {
    const token = issuer.sign(issuer.claims(audience));
    const response = await fetch(`${gateway.url}/tools/search?access_token=${token}`, { method: 'POST' });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'MISSING_TOKEN' });
  });
});
