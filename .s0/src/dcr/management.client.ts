import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { ManagementClient as Auth0Sdk, ManagementError, ManagementTimeoutError } from 'auth0';

import { scopesFromClaims } from '../common/authenticated-user';
import { unverifiedJwtPayload } from '../common/decode';
import { networkErrorReason } from '../common/network-error';
import { dcrConfig } from '../config/dcr.config';
import { GatewayMetrics } from '../observability/gateway-metrics';
import type {
  Auth0Client,
  Auth0ClientGrant,
  Auth0Connection,
  Auth0LogStream,
  Auth0ResourceServer,
  Auth0TenantSettings,
} from './management.types';

/** A Management API call that failed for good; carries the operation and Auth0's answer, never a token. */
export class ManagementApiError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number | undefined,
    readonly auth0Code: string | undefined,
    detail: string,
    /** The failed answer's headers, for Retry-After / x-ratelimit-reset. */
    readonly headers?: Headers,
  ) {
    super(
      `Auth0 Management API ${operation} failed: ${status ? `HTTP ${status}` : 'no answer'}${detail ? ` (${detail})` : ''}`,
    );
    this.name = 'ManagementApiError';
  }

  /** 408, 429, 5xx and network failures may succeed later; 4xx answers will not. */
  get retryable(): boolean {
    return this.status === undefined || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

export interface ManagementTokenStatus {
  configured: boolean;
  /** Undefined until a token was requested. */
  ok?: boolean;
  expiresAt?: string;
  /** Scopes the Management API granted to the gateway's application. */
  scopes?: string[];
  error?: string;
}

interface CachedToken {
  value: string;
  expiresAt: number;
  lifetimeMs: number;
  scopes: string[];
}

interface Failure {
  status?: number;
  code?: string;
  detail: string;
  headers?: Headers;
}

/** Renew the token this long before it expires (or a tenth of its lifetime when that is shorter). */
const TOKEN_RENEW_MARGIN_MS = 60_000;
const CLIENT_PAGE_SIZE = 100;
const TOKEN_CHECK_BACKOFF_MS = 30_000;

/**
 * The only door to the Auth0 Management API: the official `auth0` SDK behind timeouts from config, one
 * client-credentials token cached until shortly before it expires, retries of 408/429/5xx honouring
 * Retry-After and x-ratelimit-reset, and errors that name the operation. Tokens and the client secret
 * never reach a log line or an error message.
 *
 * The SDK's own retries are off (maxRetries: 0): its waits are fixed at one second and more, cannot be
 * bounded from config, and skip the token request; this class retries every call, the token included.
 */
@Injectable()
export class ManagementClient {
  private readonly logger = new Logger(ManagementClient.name);
  private readonly sdk?: Auth0Sdk;
  private token?: CachedToken;
  private tokenRequest?: Promise<CachedToken>;
  private lastTokenError?: string;
  private lastTokenFailureAt = 0;

  constructor(
    @Inject(dcrConfig.KEY) private readonly config: ConfigType<typeof dcrConfig>,
    // Absent in the auth0:* CLIs, which serve no /metrics.
    @Optional() private readonly metrics?: GatewayMetrics,
  ) {
    if (!config.managementConfigured) return;
    this.sdk = new Auth0Sdk({
      domain: config.mgmtDomain!,
      token: () => this.accessToken(),
      fetch: (input, init) => this.send(this.redirect(input), init),
      timeoutInSeconds: config.mgmtTimeoutMs / 1000,
      maxRetries: 0,
    });
  }

  get configured(): boolean {
    return this.sdk !== undefined;
  }

  /** The cached token's state, without a network call. */
  tokenStatus(): ManagementTokenStatus {
    if (!this.configured) return { configured: false };
    if (this.token && this.token.expiresAt > Date.now()) {
      return {
        configured: true,
        ok: true,
        expiresAt: new Date(this.token.expiresAt).toISOString(),
        scopes: this.token.scopes,
      };
    }
    return { configured: true, ok: this.lastTokenError ? false : undefined, error: this.lastTokenError };
  }

  /**
   * The cached token's state; asks for a token when none is cached (and then caches it). After a failure
   * it asks again at most every TOKEN_CHECK_BACKOFF_MS, so polling /health/auth0 cannot hammer Auth0.
   */
  async checkToken(): Promise<ManagementTokenStatus> {
    const recentFailure =
      this.lastTokenError && Date.now() - this.lastTokenFailureAt < TOKEN_CHECK_BACKOFF_MS;
    if (this.configured && !recentFailure) await this.accessToken().catch(() => undefined);
    return this.tokenStatus();
  }

  async getClient(clientId: string): Promise<Auth0Client | undefined> {
    return this.orNotFound(() => this.call('GET /clients/{id}', (sdk) => sdk.clients.get(clientId)));
  }

  async listClients(): Promise<Auth0Client[]> {
    return this.call('GET /clients', async (sdk) =>
      collect(await sdk.clients.list({ per_page: CLIENT_PAGE_SIZE })),
    );
  }

  async updateClient(clientId: string, patch: Record<string, unknown>): Promise<Auth0Client> {
    return this.call('PATCH /clients/{id}', (sdk) => sdk.clients.update(clientId, patch));
  }

  async getTenantSettings(): Promise<Auth0TenantSettings> {
    return this.call('GET /tenants/settings', (sdk) => sdk.tenants.settings.get());
  }

  async findConnection(name: string): Promise<Auth0Connection | undefined> {
    const found = await this.call('GET /connections?name=', async (sdk) =>
      collect(await sdk.connections.list({ name })),
    );
    return found.find((connection) => connection.name === name);
  }

  async enabledClientIds(connectionId: string): Promise<Set<string>> {
    const clients = await this.call('GET /connections/{id}/clients', async (sdk) =>
      collect(await sdk.connections.clients.get(connectionId)),
    );
    return new Set(clients.map((client) => client.client_id));
  }

  /** Enables one connection for one client through PATCH /connections/{id}/clients (not `enabled_clients`). */
  async enableConnection(connectionId: string, clientId: string): Promise<void> {
    await this.call('PATCH /connections/{id}/clients', (sdk) =>
      sdk.connections.clients.update(connectionId, [{ client_id: clientId, status: true }]),
    );
  }

  async listClientGrants(filter: {
    clientId?: string;
    audience?: string;
    subjectType?: 'user' | 'client';
  }): Promise<Auth0ClientGrant[]> {
    return this.call('GET /client-grants', async (sdk) =>
      collect(
        await sdk.clientGrants.list({
          client_id: filter.clientId,
          audience: filter.audience,
          subject_type: filter.subjectType,
        }),
      ),
    );
  }

  /** Creates a grant; `exists` when Auth0 answers 409 (the client already has one for this audience). */
  async createClientGrant(grant: {
    clientId: string;
    audience: string;
    scopes: string[];
    subjectType: 'user';
  }): Promise<Auth0ClientGrant | 'exists'> {
    try {
      return await this.call('POST /client-grants', (sdk) =>
        sdk.clientGrants.create({
          client_id: grant.clientId,
          audience: grant.audience,
          scope: grant.scopes,
          subject_type: grant.subjectType,
        }),
      );
    } catch (error) {
      if (error instanceof ManagementApiError && error.status === 409) return 'exists';
      throw error;
    }
  }

  async updateClientGrantScopes(grantId: string, scopes: string[]): Promise<Auth0ClientGrant> {
    return this.call('PATCH /client-grants/{id}', (sdk) =>
      sdk.clientGrants.update(grantId, { scope: scopes }),
    );
  }

  async getResourceServer(identifier: string): Promise<Auth0ResourceServer | undefined> {
    return this.orNotFound(() =>
      this.call('GET /resource-servers/{id}', (sdk) => sdk.resourceServers.get(identifier)),
    );
  }

  async listLogStreams(): Promise<Auth0LogStream[]> {
    return this.call('GET /log-streams', (sdk) => sdk.logStreams.list());
  }

  /** Runs one SDK call with the retry policy; every failure leaves as a ManagementApiError. */
  private async call<T>(operation: string, run: (sdk: Auth0Sdk) => Promise<T>): Promise<T> {
    if (!this.sdk)
      throw new ManagementApiError(
        operation,
        undefined,
        undefined,
        'MGMT_DOMAIN/MGMT_CLIENT_ID/MGMT_CLIENT_SECRET not set',
      );
    let renewedToken = false;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await run(this.sdk);
      } catch (error) {
        const failure = this.describe(error);
        // A 401 with a cached token means the token was revoked or rotated early: get a new one, once.
        if (failure.status === 401 && !renewedToken && this.token) {
          renewedToken = true;
          this.token = undefined;
          continue;
        }
        const apiError =
          error instanceof ManagementApiError
            ? error
            : new ManagementApiError(
                operation,
                failure.status,
                failure.code,
                failure.detail,
                failure.headers,
              );
        if (!apiError.retryable || attempt >= this.config.mgmtMaxRetries) throw apiError;
        const delay = retryDelayMs(
          failure.headers,
          attempt,
          this.config.mgmtRetryBaseMs,
          this.config.mgmtRetryMaxDelayMs,
        );
        this.logger.warn({
          msg: 'retrying Management API call',
          operation,
          status: failure.status,
          attempt: attempt + 1,
          delayMs: delay,
        });
        await sleep(delay);
      }
    }
  }

  private async orNotFound<T>(run: () => Promise<T>): Promise<T | undefined> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof ManagementApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  private async accessToken(): Promise<string> {
    const cached = this.token;
    if (cached && Date.now() < cached.expiresAt - renewMargin(cached)) return cached.value;
    // Concurrent callers share one token request.
    this.tokenRequest ??= this.requestToken().finally(() => (this.tokenRequest = undefined));
    return (await this.tokenRequest).value;
  }

  /** Every Management API request, counted by status (0 = no answer) in management_api_requests_total. */
  private async send(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    try {
      const response = await fetch(input, init);
      this.metrics?.managementApiRequests.cell(response.status).inc();
      return response;
    } catch (error) {
      this.metrics?.managementApiRequests.cell(0).inc();
      throw error;
    }
  }

  private async requestToken(): Promise<CachedToken> {
    const url = `${this.config.mgmtBaseUrl}/oauth/token`;
    let response: Response;
    try {
      response = await this.send(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({
          grant_type: 'client_credentials',
          client_id: this.config.mgmtClientId,
          client_secret: this.config.mgmtClientSecret,
          audience: this.config.mgmtAudience,
        }),
        signal: AbortSignal.timeout(this.config.mgmtTimeoutMs),
      });
    } catch (error) {
      throw this.tokenFailure(undefined, networkErrorReason(error));
    }
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok || typeof body.access_token !== 'string') {
      const reason = [body.error, body.error_description]
        .filter((part) => typeof part === 'string')
        .join(': ');
      throw this.tokenFailure(response.status, reason || 'no access_token in the answer', response.headers);
    }
    const lifetimeS = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
    const token: CachedToken = {
      value: body.access_token,
      expiresAt: Date.now() + lifetimeS * 1000,
      lifetimeMs: lifetimeS * 1000,
      // The answer's `scope`, else the token's own claim.
      scopes: scopesFromClaims(
        typeof body.scope === 'string' ? body : unverifiedJwtPayload(body.access_token),
      ),
    };
    this.token = token;
    this.lastTokenError = undefined;
    this.logger.log({ msg: 'management token obtained', expiresInS: lifetimeS, scopes: token.scopes.length });
    return token;
  }

  private tokenFailure(status: number | undefined, reason: string, headers?: Headers): ManagementApiError {
    const error = new ManagementApiError(
      'POST /oauth/token',
      status,
      undefined,
      this.redact(reason),
      headers,
    );
    this.lastTokenError = error.message;
    this.lastTokenFailureAt = Date.now();
    return error;
  }

  /** The SDK always builds https://MGMT_DOMAIN/api/v2/...; MGMT_BASE_URL moves it elsewhere. */
  private redirect(input: string | URL | Request): string | URL | Request {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const sdkBase = `https://${this.config.mgmtDomain}`;
    if (this.config.mgmtBaseUrl === sdkBase || !url.startsWith(`${sdkBase}/`)) return input;
    return `${this.config.mgmtBaseUrl}${url.slice(sdkBase.length)}`;
  }

  private describe(error: unknown): Failure {
    if (error instanceof ManagementApiError) {
      return { status: error.status, code: error.auth0Code, detail: error.message, headers: error.headers };
    }
    if (error instanceof ManagementTimeoutError)
      return { detail: `timed out after ${this.config.mgmtTimeoutMs} ms` };
    if (error instanceof ManagementError) {
      const body = (typeof error.body === 'object' && error.body !== null ? error.body : {}) as Record<
        string,
        unknown
      >;
      const detail = [body.errorCode, body.message].filter((part) => typeof part === 'string').join(': ');
      return {
        status: error.statusCode,
        code: typeof body.errorCode === 'string' ? body.errorCode : undefined,
        detail: this.redact(detail || (error.statusCode ? '' : networkErrorReason(error.cause ?? error))),
        headers: error.rawResponse?.headers instanceof Headers ? error.rawResponse.headers : undefined,
      };
    }
    return { detail: this.redact(networkErrorReason(error)) };
  }

  private redact(text: string): string {
    let out = text;
    for (const secret of [this.config.mgmtClientSecret, this.token?.value]) {
      if (secret) out = out.split(secret).join('[redacted]');
    }
    return out;
  }
}

/**
 * How long to wait before retry number `attempt + 1`: Retry-After (seconds or an HTTP date), else
 * x-ratelimit-reset (epoch seconds), else exponential back-off; never more than `maxMs`.
 */
export function retryDelayMs(
  headers: Headers | undefined,
  attempt: number,
  baseMs: number,
  maxMs: number,
  now = Date.now(),
): number {
  const retryAfter = headers?.get('retry-after')?.trim();
  const reset = headers?.get('x-ratelimit-reset')?.trim();
  let delay: number | undefined;
  if (retryAfter && /^\d+$/.test(retryAfter)) delay = Number(retryAfter) * 1000;
  else if (retryAfter && !Number.isNaN(Date.parse(retryAfter))) delay = Date.parse(retryAfter) - now;
  else if (reset && /^\d+$/.test(reset)) delay = Number(reset) * 1000 - now;
  if (delay === undefined || delay <= 0) delay = baseMs * 2 ** attempt * (1 + Math.random() * 0.2);
  return Math.round(Math.min(Math.max(delay, 0), maxMs));
}

function renewMargin(token: CachedToken): number {
  return Math.min(TOKEN_RENEW_MARGIN_MS, token.lifetimeMs / 10);
}

async function collect<T>(page: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of page) items.push(item);
  return items;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
