import { createHash, randomBytes } from 'node:crypto';

import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';

import { DevIssuerHandle, launchDevIssuer } from '../src/local/dev-issuer.launcher';
import { authorizeHeadlessly } from '../src/local/headless-authorize';

const AUDIENCE = 'http://127.0.0.1:3000/mcp';
const SCOPES = ['tools:read', 'tools:write'];
const REDIRECT_URI = 'http://127.0.0.1:8976/oauth/callback';

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  registration_endpoint: string;
  jwks_uri: string;
  code_challenge_methods_supported: string[];
}

interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  token_type: string;
  scope?: string;
}

describe('embedded development issuer', () => {
  let issuer: DevIssuerHandle;
  let discovery: Discovery;
  let clientId: string;

  beforeAll(async () => {
    issuer = await launchDevIssuer({ audience: AUDIENCE, scopes: SCOPES });
    discovery = await getJson<Discovery>(`${issuer.issuer}/.well-known/openid-configuration`);
    clientId = await registerPublicClient();
  });

  afterAll(async () => {
    await issuer?.stop();
  });

  async function registerPublicClient(): Promise<string> {
    const response = await fetch(discovery.registration_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'dev-issuer e2e',
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { client_id: string }).client_id;
  }

  function authorizationUrl(params: Record<string, string | undefined>): URL {
    const url = new URL(discovery.authorization_endpoint);
    const all = {
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      scope: `openid ${SCOPES.join(' ')}`,
      state: randomBytes(8).toString('hex'),
      resource: AUDIENCE,
      ...params,
    };
    for (const [name, value] of Object.entries(all))
      if (value !== undefined) url.searchParams.set(name, value);
    return url;
  }

  async function token(body: Record<string, string>): Promise<TokenResponse> {
    const response = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: clientId, ...body }),
    });
    const json = (await response.json()) as TokenResponse;
    expect({ status: response.status, json }).toMatchObject({ status: 200 });
    return json;
  }

  async function signIn(loginHint?: string): Promise<TokenResponse> {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const url = authorizationUrl({
      code_challenge: challenge,
      code_challenge_method: 'S256',
      login_hint: loginHint,
    });

    const callback = await authorizeHeadlessly(url);
    expect(callback.searchParams.get('error')).toBeNull();
    expect(callback.searchParams.get('state')).toBe(url.searchParams.get('state'));
    return token({
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      resource: AUDIENCE,
    });
  }

  it('publishes discovery with open registration and S256 PKCE', async () => {
    expect(discovery.issuer).toBe(issuer.issuer);
    expect(discovery.jwks_uri).toBe(issuer.jwksUri);
    expect(discovery.registration_endpoint).toEqual(expect.any(String));
    expect(discovery.code_challenge_methods_supported).toContain('S256');

    const rfc8414 = await getJson<Discovery>(`${issuer.issuer}/.well-known/oauth-authorization-server`);
    expect(rfc8414.issuer).toBe(issuer.issuer);
  });

  it('issues an RS256 JWT access token for the audience, signed by a key in its JWKS', async () => {
    const { access_token: accessToken } = await signIn('alice');

    expect(accessToken.split('.')).toHaveLength(3);
    const header = decodeProtectedHeader(accessToken);
    expect(header.alg).toBe('RS256');
    const jwks = await getJson<{ keys: { kid: string }[] }>(issuer.jwksUri);
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);

    const { payload } = await jwtVerify(accessToken, createRemoteJWKSet(new URL(issuer.jwksUri)), {
      issuer: issuer.issuer,
      audience: AUDIENCE,
      algorithms: ['RS256'],
    });
    expect(payload).toMatchObject({ iss: issuer.issuer, aud: AUDIENCE, sub: 'alice', client_id: clientId });
    expect(String(payload.scope).split(' ')).toEqual(expect.arrayContaining(SCOPES));
    expect(payload.exp! - payload.iat!).toBe(600);
  });

  it('signs in demo-user when the request has no login_hint', async () => {
    const { access_token: accessToken } = await signIn();

    expect(decodeJwt(accessToken).sub).toBe('demo-user');
  });

  it('renews the access token with the refresh token', async () => {
    const { refresh_token: refreshToken } = await signIn('bob');
    expect(refreshToken).toEqual(expect.any(String));

    const renewed = await token({ grant_type: 'refresh_token', refresh_token: refreshToken! });

    expect(decodeJwt(renewed.access_token)).toMatchObject({ sub: 'bob', aud: AUDIENCE });
  });

  it('refuses an authorization request without a PKCE code_challenge', async () => {
    const callback = await authorizeHeadlessly(authorizationUrl({}));

    expect(callback.searchParams.get('code')).toBeNull();
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('refuses a resource other than its audience', async () => {
    const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
    const url = authorizationUrl({
      resource: 'https://elsewhere.example/api',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });

    const callback = await authorizeHeadlessly(url);

    expect(callback.searchParams.get('code')).toBeNull();
    expect(callback.searchParams.get('error')).toBe('invalid_target');
  });
});

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}
