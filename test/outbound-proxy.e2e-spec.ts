import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

import { Auth0ManagementStub } from './support/auth0-management-stub';
import { freePort } from './support/gateway-harness';
import { runGateway, waitFor } from './support/gateway-process';
import { SignedBackend } from './support/signed-backend';
import { TestIssuer } from './support/test-issuer';
import { writeToolsFile } from './support/tools-file';

/** The `proxy` package in its own process; `seen` lists the targets of its CONNECT tunnels and requests. */
class ForwardProxy {
  readonly seen: string[] = [];
  url = '';
  private child?: ChildProcess;

  async start(): Promise<this> {
    this.child = spawn(process.execPath, [path.join(__dirname, 'support/forward-proxy.mjs')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: this.child.stdout! });
    await new Promise<void>((resolve) =>
      lines.on('line', (line) => {
        const event = JSON.parse(line) as { listening?: number; connect?: string; request?: string };
        if (event.listening) {
          this.url = `http://127.0.0.1:${event.listening}`;
          resolve();
        } else {
          this.seen.push(event.connect ?? new URL(event.request!).host);
        }
      }),
    );
    return this;
  }

  stop(): void {
    this.child?.kill('SIGTERM');
  }
}

const host = (url: string): string => new URL(url).host;

describe('outbound calls through HTTP(S)_PROXY (the built gateway in its own process)', () => {
  let proxy: ForwardProxy;
  let issuer: TestIssuer;
  let backend: SignedBackend;
  let tenant: Auth0ManagementStub;
  const secret = randomBytes(32).toString('hex');

  beforeAll(async () => {
    proxy = await new ForwardProxy().start();
    issuer = await new TestIssuer().start();
    backend = await new SignedBackend(secret).start();
    tenant = await Auth0ManagementStub.start({ mode: 'strict' });
  });

  afterAll(async () => {
    proxy.stop();
    await tenant.stop();
    await backend.stop();
    await issuer.stop();
  });

  /** Starts a gateway with `env`, makes a tool call, lets the reconciler's first pass reach the Management API. */
  async function exercise(env: Record<string, string>): Promise<number> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const managementCalls = tenant.served.length;
    const gateway = runGateway({
      PORT: String(port),
      PUBLIC_URL: url,
      OAUTH_ISSUER: issuer.issuer,
      OAUTH_AUDIENCE: `${url}/mcp`,
      GATEWAY_HMAC_SECRET: secret,
      METRICS_PORT: '0',
      TOOLS_FILE: writeToolsFile([
        { name: 'echo', description: 'Echo', scopes: ['tools:read'], upstream: `${backend.url}/echo` },
      ]),
      MGMT_DOMAIN: tenant.gatewayEnv().MGMT_DOMAIN,
      MGMT_CLIENT_ID: tenant.gatewayEnv().MGMT_CLIENT_ID,
      MGMT_CLIENT_SECRET: tenant.gatewayEnv().MGMT_CLIENT_SECRET,
      MGMT_BASE_URL: tenant.url,
      ...env,
    });
    try {
      await waitFor(async () => (await fetch(`${url}/health/ready`)).status === 200, 'readiness');
      const response = await fetch(`${url}/tools/echo`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${issuer.sign(issuer.claims(`${url}/mcp`))}`,
          'content-type': 'application/json',
        },
        body: '{}',
      });
      await waitFor(
        () => tenant.served.slice(managementCalls).some((call) => call.path === '/api/v2/clients'),
        "the reconciler's Management API calls",
      );
      return response.status;
    } finally {
      gateway.child.kill('SIGTERM');
      await gateway.exited;
    }
  }

  it('sends the issuer (discovery, JWKS), Management API and tool backend calls through the proxy', async () => {
    const status = await exercise({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url });

    expect(status).toBe(200);
    expect([...new Set(proxy.seen)].sort()).toEqual(
      [host(backend.url), host(issuer.url), host(tenant.url)].sort(),
    );
    expect(backend.calls.at(-1)?.verdict.ok).toBe(true);
  });

  it('goes directly to the hosts NO_PROXY names', async () => {
    proxy.seen.length = 0;
    const status = await exercise({ http_proxy: proxy.url, no_proxy: '127.0.0.1' });

    expect(status).toBe(200);
    expect(proxy.seen).toEqual([]);
  });

  it('depends on the proxy when one is set: a proxy that is down fails the tool call with 502', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    // The issuer stays reachable (NO_PROXY), so only the backend's way out is broken.
    const status = await exercise({
      HTTP_PROXY: closed,
      NO_PROXY: `${host(issuer.url)},${host(tenant.url)}`,
    });

    expect(status).toBe(502);
  });
});
