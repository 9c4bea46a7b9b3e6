import { randomBytes } from 'node:crypto';

import {
  Client,
  FetchLike,
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  OAuthTokens,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';

import { authorizeHeadlessly } from './headless-authorize';

export const DEFAULT_REDIRECT_URL = 'http://127.0.0.1:8976/oauth/callback';
export const CLIENT_INFO = { name: 'connector-gateway-demo-client', version: '0.1.0' };
/** The revision the demo client speaks: 2026-07-28 (server/discover, per-request _meta), nothing older. */
export const PROTOCOL_VERSION = '2026-07-28';

export interface AuthorizationStep {
  requestedScopes: string[];
  grantedScopes: string[];
  loginHint?: string;
}

export interface HeadlessOAuthClientOptions {
  clientName?: string;
  redirectUrl?: string;
  /** Whom the development issuer signs in (login_hint); its demo user otherwise. */
  loginHint?: string;
  /** See {@link HeadlessOAuthClientProvider.consentTo}. */
  consentTo?: string[];
  onAuthorization?: (step: AuthorizationStep) => void;
}

/**
 * An in-memory OAuthClientProvider for the MCP SDK client (2.x; structurally also SDK 1.x's) that
 * follows the authorization redirect headlessly, which only the development issuer allows (it logs in
 * and consents without a form).
 *
 * It registers without the refresh_token grant on purpose: SDK 1.32 answers a 403 insufficient_scope
 * by refreshing first when it holds a refresh token, a refresh cannot widen the scope (RFC 6749 §6),
 * and the step-up then ends in "403 after trying upscoping" (typescript-sdk#2255). SDK 2.x skips the
 * refresh when the step-up widens the scope.
 */
export class HeadlessOAuthClientProvider implements OAuthClientProvider {
  /**
   * Scopes the simulated user consents to: the authorization request is narrowed to them, as if the
   * user (or an Auth0 RBAC policy) granted less than asked. Everything asked for when unset.
   */
  consentTo?: string[];
  readonly authorizations: AuthorizationStep[] = [];
  private client?: OAuthClientInformationMixed;
  private discovery?: OAuthDiscoveryState;
  private saved?: OAuthTokens;
  private verifier?: string;
  private callback?: URLSearchParams;

  constructor(private readonly options: HeadlessOAuthClientOptions = {}) {
    this.consentTo = options.consentTo;
  }

  get redirectUrl(): string {
    return this.options.redirectUrl ?? DEFAULT_REDIRECT_URL;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.options.clientName ?? CLIENT_INFO.name,
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  state(): string {
    return randomBytes(16).toString('base64url');
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.client;
  }

  saveClientInformation(information: OAuthClientInformationMixed): void {
    this.client = information;
  }

  /** Kept so that finishing an authorization or a step-up does not run discovery again. */
  discoveryState(): OAuthDiscoveryState | undefined {
    return this.discovery;
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state;
  }

  tokens(): OAuthTokens | undefined {
    return this.saved;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.saved = tokens;
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error('No PKCE code verifier: no authorization was started');
    return this.verifier;
  }

  /** The scopes of the current access token, as the token endpoint reported them. */
  grantedScopes(): string[] {
    return splitScopes(this.saved?.scope);
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    const url = new URL(authorizationUrl);
    const requestedScopes = splitScopes(url.searchParams.get('scope'));
    const grantedScopes = this.consentTo
      ? requestedScopes.filter((scope) => this.consentTo!.includes(scope))
      : requestedScopes;
    url.searchParams.set('scope', grantedScopes.join(' '));
    if (this.options.loginHint) url.searchParams.set('login_hint', this.options.loginHint);
    const step = { requestedScopes, grantedScopes, loginHint: this.options.loginHint };
    this.authorizations.push(step);
    this.options.onAuthorization?.(step);

    const callback = await authorizeHeadlessly(url, { redirectUri: this.redirectUrl });
    const error = callback.searchParams.get('error');
    if (error)
      throw new Error(
        `The authorization server refused: ${error} ${callback.searchParams.get('error_description') ?? ''}`.trim(),
      );
    if (callback.searchParams.get('state') !== url.searchParams.get('state')) {
      throw new Error('The authorization response carries another state than the request (possible CSRF)');
    }
    this.callback = callback.searchParams;
  }

  /** The query of the authorization response just received (`code`, `state`, `iss`); handed out once. */
  takeAuthorizationResponse(): URLSearchParams {
    const callback = this.callback;
    this.callback = undefined;
    if (!callback?.get('code'))
      throw new Error('No authorization code: the SDK did not start an authorization');
    return callback;
  }
}

export interface McpConnection {
  client: Client;
  transport: StreamableHTTPClientTransport;
}

/**
 * Connects the SDK client on protocol 2026-07-28; when the first request (`server/discover`) gets the
 * 401 challenge, the SDK runs discovery, registration and the authorization request, and this completes
 * it the way the SDK expects from an app: finishAuth with the authorization response (its `iss` is
 * checked, RFC 9207), then connect again on a fresh transport.
 */
export async function connectWithOAuth(
  url: URL,
  provider: HeadlessOAuthClientProvider,
  fetch?: FetchLike,
): Promise<McpConnection> {
  const connect = async (transport: StreamableHTTPClientTransport): Promise<McpConnection> => {
    const client = new Client(CLIENT_INFO, { versionNegotiation: { mode: { pin: PROTOCOL_VERSION } } });
    await client.connect(transport);
    return { client, transport };
  };
  const first = new StreamableHTTPClientTransport(url, { authProvider: provider, fetch });
  try {
    return await connect(first);
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
    await first.finishAuth(provider.takeAuthorizationResponse());
  }
  return connect(new StreamableHTTPClientTransport(url, { authProvider: provider, fetch }));
}

/**
 * Runs one MCP call. When it needed a new authorization (a 403 insufficient_scope step-up: the SDK
 * re-authorizes with the union of its earlier and the challenged scopes, SEP-2350, then throws
 * UnauthorizedError because an interactive authorization cannot finish inside the call), completes it
 * and retries once.
 */
export async function withReauthorization<T>(
  connection: McpConnection,
  provider: HeadlessOAuthClientProvider,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
  }
  await connection.transport.finishAuth(provider.takeAuthorizationResponse());
  return call();
}

export interface HttpExchange {
  method: string;
  url: URL;
  status: number;
  /** The live response: clone() it before reading the body. */
  response: Response;
}

/** A fetch for the SDK transport that reports every HTTP exchange (MCP, discovery, registration, token). */
export function tracingFetch(
  onExchange: (exchange: HttpExchange) => void | Promise<void>,
  base: FetchLike = fetch,
): FetchLike {
  return async (url, init) => {
    const response = await base(url, init);
    await onExchange({ method: init?.method ?? 'GET', url: new URL(url), status: response.status, response });
    return response;
  };
}

function splitScopes(scope: string | null | undefined): string[] {
  return (scope ?? '').split(' ').filter(Boolean);
}
