import { createHash, randomBytes } from 'node:crypto';

import { authorizeHeadlessly } from '../../src/local/headless-authorize';

export interface TokenRequest {
  audience: string;
  scopes: string[];
  loginHint?: string;
}

/**
 * What a connector does against a real authorization server: discovery, dynamic client registration,
 * authorization code with PKCE (S256) and the resource indicator, then the token exchange.
 */
export async function obtainAccessToken(issuer: string, request: TokenRequest): Promise<string> {
  return (await obtainToken(issuer, request)).accessToken;
}

export interface IssuedToken {
  accessToken: string;
  /** The public client registered for it, which may revoke it (RFC 7009). */
  clientId: string;
  revoke(): Promise<void>;
}

/** obtainAccessToken, keeping the registered client so the test can revoke the token at the provider. */
export async function obtainToken(issuer: string, request: TokenRequest): Promise<IssuedToken> {
  const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<
    string,
    string
  >;
  const redirectUri = 'http://127.0.0.1:8976/callback';
  const registration = await fetch(discovery.registration_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'e2e connector',
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }),
  });
  if (registration.status !== 201)
    throw new Error(`registration failed: ${registration.status} ${await registration.text()}`);
  const { client_id: clientId } = (await registration.json()) as { client_id: string };

  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL(discovery.authorization_endpoint);
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: request.scopes.join(' '),
    state: randomBytes(8).toString('hex'),
    resource: request.audience,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...(request.loginHint ? { login_hint: request.loginHint } : {}),
  };
  Object.entries(params).forEach(([name, value]) => authorize.searchParams.set(name, value));
  const callback = await authorizeHeadlessly(authorize, { redirectUri });
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`authorization failed: ${callback.toString()}`);

  const response = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: clientId,
      code_verifier: verifier,
      resource: request.audience,
    }),
  });
  if (!response.ok) throw new Error(`token exchange failed: ${response.status} ${await response.text()}`);
  const accessToken = ((await response.json()) as { access_token: string }).access_token;
  return {
    accessToken,
    clientId,
    revoke: async () => {
      const revoked = await fetch(discovery.revocation_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          token: accessToken,
          token_type_hint: 'access_token',
          client_id: clientId,
        }),
      });
      if (revoked.status !== 200) throw new Error(`revocation failed: ${revoked.status}`);
    },
  };
}
