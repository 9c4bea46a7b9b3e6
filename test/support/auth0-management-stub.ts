import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for one Auth0 tenant on 127.0.0.1: the Management API (/oauth/token, /api/v2) and the
 * tenant's OIDC discovery + JWKS. It follows Auth0's documented behaviour as docs/auth0/setup.md and
 * docs/auth0/dcr-log-webhook.md describe it:
 *
 * - strict tenants register third-party clients with `tpc_` ids that take only a curated set of fields on
 *   PATCH (anything else, `is_first_party` above all, is a 400); permissive tenants accept the promotion;
 * - `POST /client-grants` answers 409 when the client already has a grant for that audience and subject type;
 * - `GET/PATCH /connections/{id}/clients`, `GET /connections?name=`, tenant settings, resource servers,
 *   log streams, client grants with `default_for`;
 * - every /api/v2 call needs a token from /oauth/token holding the endpoint's scope (403 insufficient_scope);
 * - 429 (with `x-ratelimit-reset` and optionally `Retry-After`) or 5xx answers can be injected.
 *
 * It is written from Auth0's documentation, not from the gateway's code: tests read its state to check
 * what the gateway did to the tenant.
 */

export type TenantMode = 'strict' | 'permissive';
type Json = Record<string, unknown>;

export interface StubClient extends Json {
  client_id: string;
  name: string;
  callbacks: string[];
  is_first_party: boolean;
  app_type?: string;
  grant_types: string[];
  token_endpoint_auth_method: string;
  third_party_security_mode?: TenantMode;
}

export interface StubGrant extends Json {
  id: string;
  client_id?: string;
  audience: string;
  scope: string[];
  subject_type?: 'user' | 'client';
  default_for?: 'third_party_clients';
}

export interface StubConnection extends Json {
  id: string;
  name: string;
  strategy: string;
  is_domain_connection: boolean;
}

export interface StubResourceServer extends Json {
  id: string;
  identifier: string;
  name: string;
  signing_alg: string;
  enforce_policies: boolean;
  token_dialect: string;
  scopes: { value: string; description: string }[];
}

export interface Fault {
  status: number;
  /** How many answers to spoil. */
  times: number;
  /** Only requests whose "METHOD /path" matches. */
  match?: RegExp;
  retryAfterS?: number;
  /** x-ratelimit-reset = now + this many seconds (epoch seconds, as Auth0 sends it). */
  resetInS?: number;
}

export interface ServedRequest {
  method: string;
  path: string;
  status: number;
  /** The W3C trace context the caller sent, if any. */
  traceparent?: string;
}

export interface StubOptions {
  mode: TenantMode;
  domain?: string;
  /** Scopes of the Management application; default: every scope the stub checks. */
  managementScopes?: string[];
  tokenLifetimeS?: number;
}

/** Fields Auth0 accepts on PATCH of a third-party client in strict mode (a curated set). */
export const STRICT_PATCHABLE_FIELDS = [
  'name',
  'description',
  'logo_uri',
  'callbacks',
  'allowed_logout_urls',
  'web_origins',
  'app_type',
  'grant_types',
  'token_endpoint_auth_method',
  'client_metadata',
  'refresh_token',
];
const STRICT_FORBIDDEN_GRANT_TYPES = ['implicit', 'password'];

export const ALL_MANAGEMENT_SCOPES = [
  'read:clients',
  'update:clients',
  'read:connections',
  'update:connections',
  'read:client_grants',
  'create:client_grants',
  'update:client_grants',
  'read:tenant_settings',
  'read:resource_servers',
  'read:log_streams',
];

interface Route {
  method: string;
  pattern: RegExp;
  scope: string;
  handle: (ctx: RouteContext) => Answer;
}

interface RouteContext {
  params: string[];
  query: URLSearchParams;
  body: unknown;
}

interface Answer {
  status: number;
  body?: unknown;
}

export class Auth0ManagementStub {
  readonly domain: string;
  readonly mgmtClientId = `mgmt${randomBytes(12).toString('hex')}`;
  readonly mgmtClientSecret = randomBytes(32).toString('base64url');
  managementScopes: string[];
  tokenLifetimeS: number;

  readonly settings: Json;
  readonly clients = new Map<string, StubClient>();
  readonly connections = new Map<string, StubConnection>();
  readonly enabledClients = new Map<string, Set<string>>();
  readonly grants: StubGrant[] = [];
  readonly resourceServers: StubResourceServer[] = [];
  readonly logStreams: Json[] = [];
  readonly served: ServedRequest[] = [];
  tokenRequests = 0;

  private readonly tokens = new Map<string, { scopes: string[]; expiresAt: number }>();
  private readonly faults: Fault[] = [];
  private readonly jwk: Json;
  private server?: Server;
  private baseUrl = '';
  private sequence = 0;

  private constructor(readonly options: StubOptions) {
    this.domain = options.domain ?? 'tenant.stub.auth0.com';
    this.managementScopes = options.managementScopes ?? ALL_MANAGEMENT_SCOPES;
    this.tokenLifetimeS = options.tokenLifetimeS ?? 86_400;
    this.settings = {
      friendly_name: 'stub tenant',
      flags: { enable_dynamic_client_registration: true },
      dynamic_client_registration_security_mode: options.mode,
      resource_parameter_profile: 'audience',
    };
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.jwk = {
      ...(publicKey.export({ format: 'jwk' }) as Json),
      kid: 'stub-key-1',
      use: 'sig',
      alg: 'RS256',
    };
    // The Management application's own grant on the Management API, as every tenant has it.
    this.grants.push({
      id: this.nextId('cgr_'),
      client_id: this.mgmtClientId,
      audience: this.managementAudience,
      scope: this.managementScopes,
      subject_type: 'client',
    });
  }

  static async start(options: StubOptions): Promise<Auth0ManagementStub> {
    const stub = new Auth0ManagementStub(options);
    await stub.listen();
    return stub;
  }

  get mode(): TenantMode {
    return this.options.mode;
  }

  /** Base URL for MGMT_BASE_URL. */
  get url(): string {
    return this.baseUrl;
  }

  /** The tenant's issuer (with Auth0's trailing slash) for OAUTH_ISSUER. */
  get issuer(): string {
    return `${this.baseUrl}/`;
  }

  get managementAudience(): string {
    return `https://${this.domain}/api/v2/`;
  }

  /** Gateway variables that point the gateway at this tenant. */
  gatewayEnv(): Record<string, string> {
    return {
      OAUTH_ISSUER: this.issuer,
      MGMT_DOMAIN: this.domain,
      MGMT_CLIENT_ID: this.mgmtClientId,
      MGMT_CLIENT_SECRET: this.mgmtClientSecret,
      MGMT_BASE_URL: this.baseUrl,
    };
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }

  // ---- tenant set-up -------------------------------------------------------------------------------------

  addResourceServer(
    identifier: string,
    scopes: string[],
    overrides: Partial<StubResourceServer> = {},
  ): StubResourceServer {
    const server: StubResourceServer = {
      id: this.nextId(''),
      identifier,
      name: 'connector-gateway',
      signing_alg: 'RS256',
      enforce_policies: true,
      token_dialect: 'access_token_authz',
      scopes: scopes.map((value) => ({ value, description: value })),
      ...overrides,
    };
    this.resourceServers.push(server);
    return server;
  }

  addConnection(name: string, isDomainConnection: boolean, strategy = 'google-oauth2'): StubConnection {
    const connection: StubConnection = {
      id: this.nextId('con_'),
      name,
      strategy,
      is_domain_connection: isDomainConnection,
    };
    this.connections.set(connection.id, connection);
    this.enabledClients.set(connection.id, new Set());
    return connection;
  }

  addLogStream(endpoint: string, authorization: string, overrides: Json = {}): Json {
    const stream = {
      id: this.nextId('lst_'),
      name: 'connector-gateway',
      type: 'http',
      status: 'active',
      sink: {
        httpEndpoint: endpoint,
        httpAuthorization: authorization,
        httpContentFormat: 'JSONARRAY',
        httpContentType: 'application/json',
      },
      ...overrides,
    };
    this.logStreams.push(stream);
    return stream;
  }

  /** What `POST /oidc/register` creates: a third-party client, `tpc_` + strict in strict tenants. */
  registerClient(metadata: {
    client_name: string;
    redirect_uris: string[];
    grant_types?: string[];
    token_endpoint_auth_method?: string;
  }): StubClient {
    const strict = this.mode === 'strict';
    const client: StubClient = {
      client_id: strict ? this.nextId('tpc_') : randomBytes(16).toString('hex'),
      created_at: new Date().toISOString(),
      name: metadata.client_name,
      callbacks: metadata.redirect_uris,
      is_first_party: false,
      app_type: 'regular_web',
      grant_types: metadata.grant_types ?? ['authorization_code'],
      token_endpoint_auth_method: metadata.token_endpoint_auth_method ?? 'client_secret_basic',
      third_party_security_mode: this.mode,
      external_metadata_type: 'dcr',
      external_metadata_created_by: 'client',
    };
    this.clients.set(client.client_id, client);
    return client;
  }

  /** The log record Auth0 streams for a registration (2026 format: the new id in details.response.body). */
  dcrLogRecord(client: StubClient, logId = this.nextId('9002026')): Json {
    return {
      log_id: logId,
      data: {
        log_id: logId,
        date: new Date().toISOString(),
        type: 'sapi',
        description: 'Dynamic client registration',
        ip: '203.0.113.7',
        user_agent: 'ChatGPT-Connector/1.0',
        details: {
          request: {
            method: 'post',
            path: '/oidc/register',
            body: { client_name: client.name, redirect_uris: client.callbacks },
          },
          response: {
            statusCode: 201,
            body: { client_id: client.client_id, client_name: client.name, redirect_uris: client.callbacks },
          },
        },
      },
    };
  }

  /** Spoils the next `times` matching answers. */
  injectFault(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  grantsFor(clientId: string, audience?: string): StubGrant[] {
    return this.grants.filter(
      (grant) => grant.client_id === clientId && (!audience || grant.audience === audience),
    );
  }

  connectionEnabledFor(connectionId: string, clientId: string): boolean {
    return this.enabledClients.get(connectionId)?.has(clientId) ?? false;
  }

  count(method: string, path: RegExp, status?: number): number {
    return this.served.filter(
      (r) => r.method === method && path.test(r.path) && (status === undefined || r.status === status),
    ).length;
  }

  // ---- HTTP ----------------------------------------------------------------------------------------------

  private async listen(): Promise<void> {
    this.server = createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    const answer = (status: number, body?: unknown, headers: Record<string, string> = {}): void => {
      const traceparent = req.headers.traceparent;
      this.served.push({
        method,
        path: url.pathname,
        status,
        traceparent: typeof traceparent === 'string' ? traceparent : undefined,
      });
      res.writeHead(status, {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };

    if (method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
      return answer(200, {
        issuer: this.issuer,
        jwks_uri: `${this.baseUrl}/.well-known/jwks.json`,
        authorization_endpoint: `${this.baseUrl}/authorize`,
        token_endpoint: `${this.baseUrl}/oauth/token`,
        registration_endpoint: `${this.baseUrl}/oidc/register`,
      });
    }
    if (method === 'GET' && url.pathname === '/.well-known/jwks.json')
      return answer(200, { keys: [this.jwk] });

    const fault = this.takeFault(`${method} ${url.pathname}`);
    if (fault) {
      const headers: Record<string, string> = {
        'x-ratelimit-limit': '10',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + (fault.resetInS ?? 0)),
      };
      if (fault.retryAfterS !== undefined) headers['retry-after'] = String(fault.retryAfterS);
      const error = fault.status === 429 ? 'Too Many Requests' : 'Service Unavailable';
      return answer(
        fault.status,
        {
          statusCode: fault.status,
          error,
          message: fault.status === 429 ? 'Global limit has been reached' : 'Service unavailable',
          errorCode: fault.status === 429 ? 'too_many_requests' : 'server_error',
        },
        fault.status === 429 ? headers : {},
      );
    }

    if (method === 'POST' && url.pathname === '/oauth/token') {
      const { status, body } = this.token(parseBody(raw, req.headers['content-type']));
      return answer(status, body);
    }
    if (!url.pathname.startsWith('/api/v2/')) return answer(404, { error: 'not_found' });

    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const token = bearer ? this.tokens.get(bearer) : undefined;
    if (!token || token.expiresAt < Date.now()) {
      return answer(401, {
        statusCode: 401,
        error: 'Unauthorized',
        message: bearer ? 'Expired token received for JSON Web Token validation' : 'Missing authentication',
        errorCode: 'invalid_token',
      });
    }
    const path = url.pathname.slice('/api/v2'.length);
    for (const route of this.routes()) {
      const match = route.method === method ? route.pattern.exec(path) : null;
      if (!match) continue;
      if (!token.scopes.includes(route.scope)) {
        return answer(403, {
          statusCode: 403,
          error: 'Forbidden',
          message: `Insufficient scope, expected any of: ${route.scope}`,
          errorCode: 'insufficient_scope',
        });
      }
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        return answer(400, {
          statusCode: 400,
          error: 'Bad Request',
          message: 'Invalid JSON',
          errorCode: 'invalid_body',
        });
      }
      const result = route.handle({
        params: match.slice(1).map(decodeURIComponent),
        query: url.searchParams,
        body,
      });
      return answer(result.status, result.body);
    }
    return answer(404, { statusCode: 404, error: 'Not Found', message: 'Not Found' });
  }

  private token(body: Json): Answer {
    this.tokenRequests += 1;
    if (body.grant_type !== 'client_credentials')
      return {
        status: 400,
        body: { error: 'unsupported_grant_type', error_description: 'Grant type not allowed' },
      };
    if (body.client_id !== this.mgmtClientId || body.client_secret !== this.mgmtClientSecret) {
      return { status: 401, body: { error: 'access_denied', error_description: 'Unauthorized' } };
    }
    if (body.audience !== this.managementAudience) {
      return {
        status: 403,
        body: {
          error: 'access_denied',
          error_description: `Service not enabled within domain: ${String(body.audience)}`,
        },
      };
    }
    const value = randomBytes(24).toString('base64url');
    this.tokens.set(value, {
      scopes: this.managementScopes,
      expiresAt: Date.now() + this.tokenLifetimeS * 1000,
    });
    return {
      status: 200,
      body: {
        access_token: value,
        token_type: 'Bearer',
        expires_in: this.tokenLifetimeS,
        scope: this.managementScopes.join(' '),
      },
    };
  }

  private routes(): Route[] {
    const route = (method: string, pattern: RegExp, scope: string, handle: Route['handle']): Route => ({
      method,
      pattern,
      scope,
      handle,
    });
    return [
      route('GET', /^\/clients$/, 'read:clients', ({ query }) => this.listClients(query)),
      route('GET', /^\/clients\/([^/]+)$/, 'read:clients', ({ params }) => this.getClient(params[0])),
      route('PATCH', /^\/clients\/([^/]+)$/, 'update:clients', ({ params, body }) =>
        this.patchClient(params[0], body),
      ),
      route('GET', /^\/connections$/, 'read:connections', ({ query }) => this.listConnections(query)),
      route('GET', /^\/connections\/([^/]+)$/, 'read:connections', ({ params }) =>
        this.found(this.connections.get(params[0]), 'inexistent_connection'),
      ),
      route('GET', /^\/connections\/([^/]+)\/clients$/, 'read:connections', ({ params, query }) =>
        this.connectionClients(params[0], query),
      ),
      route('PATCH', /^\/connections\/([^/]+)\/clients$/, 'update:connections', ({ params, body }) =>
        this.patchConnectionClients(params[0], body),
      ),
      route('GET', /^\/client-grants$/, 'read:client_grants', ({ query }) => this.listGrants(query)),
      route('POST', /^\/client-grants$/, 'create:client_grants', ({ body }) => this.createGrant(body)),
      route('PATCH', /^\/client-grants\/([^/]+)$/, 'update:client_grants', ({ params, body }) =>
        this.patchGrant(params[0], body),
      ),
      route('GET', /^\/tenants\/settings$/, 'read:tenant_settings', () => ({
        status: 200,
        body: this.settings,
      })),
      route('GET', /^\/resource-servers$/, 'read:resource_servers', () => this.listResourceServers()),
      route('GET', /^\/resource-servers\/([^/]+)$/, 'read:resource_servers', ({ params }) =>
        this.getResourceServer(params[0]),
      ),
      route('GET', /^\/log-streams$/, 'read:log_streams', () => ({ status: 200, body: this.logStreams })),
    ];
  }

  private listResourceServers(): Answer {
    const servers = this.resourceServers;
    return { status: 200, body: { resource_servers: servers, start: 0, limit: 50, total: servers.length } };
  }

  /** Auth0 finds a resource server by its id or by its identifier (the audience). */
  private getResourceServer(idOrIdentifier: string): Answer {
    const server = this.resourceServers.find(
      (s) => s.id === idOrIdentifier || s.identifier === idOrIdentifier,
    );
    return this.found(server, 'inexistent_resource_server');
  }

  private listClients(query: URLSearchParams): Answer {
    const all = [...this.clients.values()];
    const page = Number(query.get('page') ?? 0);
    const perPage = Math.min(Number(query.get('per_page') ?? 50), 100);
    const clients = all.slice(page * perPage, (page + 1) * perPage);
    if (query.get('include_totals') !== 'true') return { status: 200, body: clients };
    return {
      status: 200,
      body: { start: page * perPage, limit: perPage, length: clients.length, total: all.length, clients },
    };
  }

  private getClient(id: string): Answer {
    return this.found(this.clients.get(id), 'inexistent_client', 'The client does not exist');
  }

  private patchClient(id: string, body: unknown): Answer {
    const client = this.clients.get(id);
    if (!client) return this.found(undefined, 'inexistent_client', 'The client does not exist');
    if (!isObject(body)) return badRequest('Payload validation error: expected an object', 'invalid_body');
    if (client.third_party_security_mode === 'strict') {
      if ('is_first_party' in body) {
        return badRequest(
          'is_first_party cannot be changed: third-party clients in strict mode stay third-party',
          'operation_not_supported',
        );
      }
      const refused = Object.keys(body).filter((field) => !STRICT_PATCHABLE_FIELDS.includes(field));
      if (refused.length > 0) {
        return badRequest(
          `Fields not supported on third-party clients in strict mode: ${refused.join(', ')}`,
          'operation_not_supported',
        );
      }
      const grantTypes = Array.isArray(body.grant_types) ? (body.grant_types as string[]) : [];
      const forbidden = grantTypes.filter((type) => STRICT_FORBIDDEN_GRANT_TYPES.includes(type));
      if (forbidden.length > 0)
        return badRequest(`Grant types not allowed in strict mode: ${forbidden.join(', ')}`, 'invalid_body');
    }
    Object.assign(client, body);
    return { status: 200, body: client };
  }

  private listConnections(query: URLSearchParams): Answer {
    const name = query.get('name');
    const connections = [...this.connections.values()].filter((c) => !name || c.name === name);
    return { status: 200, body: { connections } };
  }

  private connectionClients(id: string, query: URLSearchParams): Answer {
    const enabled = this.enabledClients.get(id);
    if (!enabled) return this.found(undefined, 'inexistent_connection');
    const take = Number(query.get('take') ?? 50);
    const from = Number(query.get('from') ?? 0);
    const all = [...enabled];
    const clients = all.slice(from, from + take).map((client_id) => ({ client_id }));
    return {
      status: 200,
      body: { clients, ...(from + take < all.length ? { next: String(from + take) } : {}) },
    };
  }

  private patchConnectionClients(id: string, body: unknown): Answer {
    const enabled = this.enabledClients.get(id);
    if (!enabled) return this.found(undefined, 'inexistent_connection');
    if (
      !Array.isArray(body) ||
      body.length > 50 ||
      !body.every(
        (item) => isObject(item) && typeof item.client_id === 'string' && typeof item.status === 'boolean',
      )
    ) {
      return badRequest(
        'Payload validation error: expected at most 50 items of { client_id, status }',
        'invalid_body',
      );
    }
    for (const item of body as { client_id: string; status: boolean }[]) {
      if (item.status) enabled.add(item.client_id);
      else enabled.delete(item.client_id);
    }
    return { status: 204 };
  }

  private listGrants(query: URLSearchParams): Answer {
    const filters: [string, string | null][] = ['client_id', 'audience', 'subject_type', 'default_for'].map(
      (key) => [key, query.get(key)],
    );
    const all = this.grants.filter((grant) =>
      filters.every(
        ([key, value]) =>
          value === null || (grant[key] ?? (key === 'subject_type' ? 'client' : undefined)) === value,
      ),
    );
    const take = Number(query.get('take') ?? 50);
    const from = Number(query.get('from') ?? 0);
    const page = all.slice(from, from + take);
    return {
      status: 200,
      body: { client_grants: page, ...(from + take < all.length ? { next: String(from + take) } : {}) },
    };
  }

  private createGrant(body: unknown): Answer {
    if (!isObject(body) || typeof body.audience !== 'string')
      return badRequest('Payload validation error: audience is required', 'invalid_body');
    if (!this.resourceServers.some((s) => s.identifier === body.audience)) {
      return {
        status: 404,
        body: {
          statusCode: 404,
          error: 'Not Found',
          message: `No resource server found with identifier ${body.audience}`,
          errorCode: 'inexistent_resource_server',
        },
      };
    }
    if (body.client_id !== undefined && !this.clients.has(String(body.client_id))) {
      return this.found(undefined, 'inexistent_client', 'The client does not exist');
    }
    const subjectType = (body.subject_type as 'user' | 'client' | undefined) ?? 'client';
    const duplicate = this.grants.some(
      (grant) =>
        grant.audience === body.audience &&
        (grant.subject_type ?? 'client') === subjectType &&
        (body.client_id !== undefined
          ? grant.client_id === body.client_id
          : grant.default_for === body.default_for),
    );
    if (duplicate)
      return {
        status: 409,
        body: {
          statusCode: 409,
          error: 'Conflict',
          message: 'A resource with the same identifier already exists',
          errorCode: 'conflict',
        },
      };
    const grant: StubGrant = {
      id: this.nextId('cgr_'),
      ...(body.client_id !== undefined ? { client_id: String(body.client_id) } : {}),
      ...(body.default_for !== undefined ? { default_for: 'third_party_clients' as const } : {}),
      audience: body.audience,
      scope: Array.isArray(body.scope) ? (body.scope as string[]) : [],
      subject_type: subjectType,
    };
    this.grants.push(grant);
    return { status: 201, body: grant };
  }

  private patchGrant(id: string, body: unknown): Answer {
    const grant = this.grants.find((candidate) => candidate.id === id);
    if (!grant) return this.found(undefined, 'inexistent_client_grant');
    if (!isObject(body)) return badRequest('Payload validation error: expected an object', 'invalid_body');
    if (Array.isArray(body.scope)) grant.scope = body.scope as string[];
    return { status: 200, body: grant };
  }

  private found(value: unknown, errorCode: string, message = 'Not Found'): Answer {
    return value
      ? { status: 200, body: value }
      : { status: 404, body: { statusCode: 404, error: 'Not Found', message, errorCode } };
  }

  private takeFault(request: string): Fault | undefined {
    const fault = this.faults.find(
      (candidate) => candidate.times > 0 && (!candidate.match || candidate.match.test(request)),
    );
    if (fault) fault.times -= 1;
    return fault;
  }

  private nextId(prefix: string): string {
    this.sequence += 1;
    return `${prefix}${String(this.sequence).padStart(4, '0')}${randomBytes(6).toString('hex')}`;
  }
}

/** Polls until `check` returns a value that is not undefined/false; fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function badRequest(message: string, errorCode: string): Answer {
  return { status: 400, body: { statusCode: 400, error: 'Bad Request', message, errorCode } };
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseBody(raw: string, contentType: string | undefined): Json {
  if (contentType?.includes('application/x-www-form-urlencoded'))
    return Object.fromEntries(new URLSearchParams(raw));
  try {
    const parsed = JSON.parse(raw) as unknown;
    return isObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
