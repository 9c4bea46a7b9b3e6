#!/usr/bin/env node
// Development-only OAuth 2.1 / OIDC issuer for local mode and e2e tests: dynamic client registration,
// PKCE, resource indicators, RS256 JWT or opaque access tokens (with RFC 7662 introspection and RFC 7009
// revocation), passwordless auto-login and auto-consent.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import Provider, { errors } from 'oidc-provider';

const HOST = '127.0.0.1';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost']);
const DEFAULT_USER = 'demo-user';
const INTERACTION_PATH = /^\/interaction\/([^/]+)$/;

/**
 * `tokenFormat: 'opaque'` issues opaque access tokens for the audience and enables introspection (for
 * the confidential client `introspectionClient`) and revocation. `resourceIndicators: false` issues
 * tokens bound to no resource, as providers without RFC 8707 do (Gitea): opaque, and accepted by userinfo.
 *
 * @param {{ port?: number, audience: string, scopes: string[], accessTokenTtlS?: number, host?: string,
 *   tokenFormat?: 'jwt' | 'opaque', resourceIndicators?: boolean,
 *   introspectionClient?: { id: string, secret: string } }} options
 * @returns {Promise<{ issuer: string, jwksUri: string, port: number, stop(): Promise<void> }>}
 */
export async function startDevIssuer({
  port = 0,
  audience,
  scopes,
  accessTokenTtlS = 600,
  host = HOST,
  tokenFormat = 'jwt',
  resourceIndicators = true,
  introspectionClient,
}) {
  if (!audience) throw new Error('dev issuer: an audience is required');
  if (!['jwt', 'opaque'].includes(tokenFormat))
    throw new Error(`dev issuer: unknown token format ${tokenFormat}`);
  const opaque = tokenFormat === 'opaque' || !resourceIndicators;
  // It logs in anyone who asks: never reachable from outside this machine.
  if (!LOOPBACK_HOSTS.has(host))
    throw new Error(`dev issuer: refusing to listen on non-loopback host ${host}`);
  const audienceHref = new URL(audience).href;
  const resourceScope = [...new Set(scopes)].join(' ');

  // The port must be known before the issuer URL, and the provider is built around the issuer URL.
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const boundPort = server.address().port;
  const issuer = `http://${host}:${boundPort}`;

  const provider = new Provider(issuer, {
    jwks: { keys: [await signingKey()] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // Resource scopes are listed too, so that clients may register them in their `scope` metadata.
    scopes: ['openid', 'offline_access', ...scopes],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['preferred_username'] },
    // The gateway's own client, for RFC 7662 introspection; it needs no grant of its own.
    clients: introspectionClient
      ? [
          {
            client_id: introspectionClient.id,
            client_secret: introspectionClient.secret,
            grant_types: [],
            response_types: [],
            redirect_uris: [],
            token_endpoint_auth_method: 'client_secret_basic',
          },
        ]
      : [],
    responseTypes: ['code'],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true, initialAccessToken: false },
      introspection: { enabled: opaque },
      revocation: { enabled: opaque },
      resourceIndicators: {
        enabled: resourceIndicators,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator) => {
          // Compared as URLs: clients normalise an origin-only resource with a trailing slash.
          if (URL.parse(resourceIndicator)?.href !== audienceHref) throw new errors.InvalidTarget();
          return {
            scope: resourceScope,
            audience,
            accessTokenFormat: tokenFormat,
            accessTokenTTL: accessTokenTtlS,
            ...(tokenFormat === 'jwt' ? { jwt: { sign: { alg: 'RS256' } } } : {}),
          };
        },
      },
    },
    // Public clients (MCP SDK, ChatGPT) need a refresh token without asking for offline_access + prompt=consent.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Browser-based MCP inspectors run on arbitrary local origins.
    clientBasedCORS: () => true,
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, email: `${sub}@example.test`, email_verified: true, preferred_username: sub }),
    }),
    renderError: (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
    ttl: {
      AccessToken: accessTokenTtlS,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 24 * 3600,
      Interaction: 600,
      Session: 24 * 3600,
      Grant: 24 * 3600,
    },
  });

  provider.use(async (ctx, next) => {
    const match = ctx.method === 'GET' && INTERACTION_PATH.exec(ctx.path);
    if (!match) return next();
    try {
      const returnTo = await provider.interactionResult(ctx.req, ctx.res, await autoInteract(provider, ctx), {
        mergeWithLastSubmission: false,
      });
      ctx.status = 303;
      ctx.redirect(returnTo);
    } catch (err) {
      ctx.status = 400;
      ctx.body = {
        error: err.error ?? 'invalid_request',
        error_description: err.error_description ?? err.message,
      };
    }
  });
  provider.on('server_error', (_ctx, err) =>
    process.stderr.write(`dev-issuer: server_error ${err.message}\n`),
  );

  server.on('request', provider.callback());

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    port: boundPort,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function signingKey() {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' };
}

/** Logs in `login_hint` (or the demo user) and consents to everything that was asked for. */
async function autoInteract(provider, ctx) {
  const interaction = await provider.interactionDetails(ctx.req, ctx.res);
  const { prompt, params, session } = interaction;

  if (prompt.name === 'login') {
    const accountId =
      typeof params.login_hint === 'string' && params.login_hint ? params.login_hint : DEFAULT_USER;
    return { login: { accountId } };
  }

  if (prompt.name === 'consent') {
    const grant = interaction.grantId
      ? await provider.Grant.find(interaction.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    for (const [indicator, scope] of Object.entries(missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scope.join(' '));
    }
    return { consent: { grantId: await grant.save() } };
  }

  return { error: 'access_denied', error_description: `unsupported prompt ${prompt.name}` };
}

async function firstLine(input) {
  for await (const line of createInterface({ input })) return line;
  return undefined;
}

async function main() {
  // oidc-provider prints notices with console.info; stdout is reserved for the single ready line.
  console.info = console.error;
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: HOST },
      audience: { type: 'string' },
      scopes: { type: 'string', default: '' },
      'access-token-ttl': { type: 'string', default: '600' },
      'token-format': { type: 'string', default: 'jwt' },
      'resource-indicators': { type: 'string', default: 'true' },
      'introspection-client-id': { type: 'string' },
    },
  });
  // The introspection client's secret is the first line of stdin, not an argument others could read.
  const introspectionSecret = values['introspection-client-id'] ? await firstLine(process.stdin) : undefined;
  const issuer = await startDevIssuer({
    port: Number(values.port),
    host: values.host,
    audience: values.audience,
    scopes: values.scopes.split(/\s+/).filter(Boolean),
    accessTokenTtlS: Number(values['access-token-ttl']),
    tokenFormat: values['token-format'],
    resourceIndicators: values['resource-indicators'] !== 'false',
    introspectionClient:
      values['introspection-client-id'] && introspectionSecret
        ? { id: values['introspection-client-id'], secret: introspectionSecret }
        : undefined,
  });

  const shutdown = () => issuer.stop().then(() => process.exit(0));
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  process.stdout.write(
    `${JSON.stringify({ event: 'ready', issuer: issuer.issuer, jwks_uri: issuer.jwksUri, port: issuer.port })}\n`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    process.stderr.write(`dev-issuer: ${err.message}\n`);
    process.exit(1);
  });
}
