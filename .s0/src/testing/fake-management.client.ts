import { ManagementApiError, ManagementClient } from '../dcr/management.client';
import type {
  Auth0Client,
  Auth0ClientGrant,
  Auth0Connection,
  Auth0TenantSettings,
} from '../dcr/management.types';

/** The ManagementClient calls the DCR runtime makes; the fake answers them from memory. */
export type RuntimeManagementCalls = Pick<
  ManagementClient,
  | 'configured'
  | 'getClient'
  | 'listClients'
  | 'updateClient'
  | 'getTenantSettings'
  | 'findConnection'
  | 'enabledClientIds'
  | 'enableConnection'
  | 'listClientGrants'
  | 'createClientGrant'
  | 'updateClientGrantScopes'
>;

/**
 * An in-memory tenant behind the ManagementClient interface, for unit specs of the DCR runtime (e2e specs
 * use the HTTP stand-in in test/support instead). Like Auth0, it keeps one grant per client, audience and
 * subject type (a second create is `exists`). Each call is recorded by its operation name, the same names
 * ManagementClient puts in its errors, and a failure can be queued for the next call of one operation.
 */
export class FakeManagementClient implements RuntimeManagementCalls {
  configured = true;
  settings: Auth0TenantSettings = {};
  readonly clients = new Map<string, Auth0Client>();
  readonly grants: Auth0ClientGrant[] = [];
  readonly connections: Auth0Connection[] = [];
  /** Client ids each connection is enabled for, by connection id. */
  readonly enabled = new Map<string, Set<string>>();
  readonly calls: string[] = [];
  /** When true, a grant a 409 refers to is missing from listings (Auth0's listings can lag behind writes). */
  grantListingLags = false;
  private readonly failures = new Map<string, Error[]>();
  private nextId = 1;

  /** The next `count` calls of `operation` (e.g. 'PATCH /clients/{id}') throw `error`. */
  failNext(operation: string, error: Error, count = 1): void {
    const queued = this.failures.get(operation) ?? [];
    queued.push(...Array.from({ length: count }, () => error));
    this.failures.set(operation, queued);
  }

  addClient(client: Auth0Client): Auth0Client {
    const stored = { ...client, client_id: client.client_id ?? `client_${this.nextId++}` };
    this.clients.set(stored.client_id, stored);
    return stored;
  }

  addConnection(name: string, isDomainConnection: boolean): Auth0Connection {
    const connection = { id: `con_${this.nextId++}`, name, is_domain_connection: isDomainConnection };
    this.connections.push(connection);
    this.enabled.set(connection.id, new Set());
    return connection;
  }

  grantsOf(clientId: string): Auth0ClientGrant[] {
    return this.grants.filter((grant) => grant.client_id === clientId);
  }

  /** How many calls of `operation` were made. */
  count(operation: string): number {
    return this.calls.filter((call) => call === operation).length;
  }

  async getClient(clientId: string): Promise<Auth0Client | undefined> {
    this.record('GET /clients/{id}');
    const client = this.clients.get(clientId);
    return client && structuredClone(client);
  }

  async listClients(): Promise<Auth0Client[]> {
    this.record('GET /clients');
    return [...this.clients.values()].map((client) => structuredClone(client));
  }

  async updateClient(clientId: string, patch: Record<string, unknown>): Promise<Auth0Client> {
    this.record('PATCH /clients/{id}');
    const client = this.clients.get(clientId);
    if (!client) throw notFound('PATCH /clients/{id}');
    Object.assign(client, structuredClone(patch));
    return structuredClone(client);
  }

  async getTenantSettings(): Promise<Auth0TenantSettings> {
    this.record('GET /tenants/settings');
    return structuredClone(this.settings);
  }

  async findConnection(name: string): Promise<Auth0Connection | undefined> {
    this.record('GET /connections?name=');
    const connection = this.connections.find((candidate) => candidate.name === name);
    return connection && structuredClone(connection);
  }

  async enabledClientIds(connectionId: string): Promise<Set<string>> {
    this.record('GET /connections/{id}/clients');
    return new Set(this.enabled.get(connectionId));
  }

  async enableConnection(connectionId: string, clientId: string): Promise<void> {
    this.record('PATCH /connections/{id}/clients');
    const enabled = this.enabled.get(connectionId);
    if (!enabled) throw notFound('PATCH /connections/{id}/clients');
    enabled.add(clientId);
  }

  async listClientGrants(filter: {
    clientId?: string;
    audience?: string;
    subjectType?: 'user' | 'client';
  }): Promise<Auth0ClientGrant[]> {
    this.record('GET /client-grants');
    if (this.grantListingLags) return [];
    return this.grants
      .filter(
        (grant) =>
          (filter.clientId === undefined || grant.client_id === filter.clientId) &&
          (filter.audience === undefined || grant.audience === filter.audience) &&
          (filter.subjectType === undefined || grant.subject_type === filter.subjectType),
      )
      .map((grant) => structuredClone(grant));
  }

  async createClientGrant(grant: {
    clientId: string;
    audience: string;
    scopes: string[];
    subjectType: 'user';
  }): Promise<Auth0ClientGrant | 'exists'> {
    this.record('POST /client-grants');
    const exists = this.grants.some(
      (held) =>
        held.client_id === grant.clientId &&
        held.audience === grant.audience &&
        held.subject_type === grant.subjectType,
    );
    if (exists) return 'exists';
    const created: Auth0ClientGrant = {
      id: `cgr_${this.nextId++}`,
      client_id: grant.clientId,
      audience: grant.audience,
      scope: [...grant.scopes],
      subject_type: grant.subjectType,
    };
    this.grants.push(created);
    return structuredClone(created);
  }

  async updateClientGrantScopes(grantId: string, scopes: string[]): Promise<Auth0ClientGrant> {
    this.record('PATCH /client-grants/{id}');
    const grant = this.grants.find((held) => held.id === grantId);
    if (!grant) throw notFound('PATCH /client-grants/{id}');
    grant.scope = [...scopes];
    return structuredClone(grant);
  }

  private record(operation: string): void {
    this.calls.push(operation);
    const failure = this.failures.get(operation)?.shift();
    if (failure) throw failure;
  }
}

function notFound(operation: string): ManagementApiError {
  return new ManagementApiError(operation, 404, 'inexistent_resource', 'The resource does not exist');
}
