import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

import { Dispatcher, Pool } from 'undici';

import { freePort } from './support/gateway-harness';
import { GatewayProcess, runGateway, waitFor } from './support/gateway-process';
import { BackendRoutes, echoRoutes, SignedBackend } from './support/signed-backend';
import { TestIssuer } from './support/test-issuer';
import { writeToolsFile } from './support/tools-file';

/** Calls to /held-* wait until the test opens the gate; everything else is echoed. */
class Gate {
  private open!: () => void;
  readonly opened = new Promise<void>((resolve) => (this.open = resolve));
  release(): void {
    this.open();
  }
}

interface Stand {
  issuer: TestIssuer;
  backend: SignedBackend;
  gateway: GatewayProcess;
  url: string;
  token: string;
}

async function startStand(
  routes: BackendRoutes,
  env: Record<string, string>,
  tools: (backendUrl: string) => Array<Record<string, unknown>>,
  secret = randomBytes(32).toString('hex'),
): Promise<Stand> {
  const issuer = await new TestIssuer().start();
  const backend = await new SignedBackend(secret, routes).start();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const gateway = runGateway({
    PORT: String(port),
    PUBLIC_URL: url,
    OAUTH_ISSUER: issuer.issuer,
    OAUTH_AUDIENCE: `${url}/mcp`,
    FUNCTIONS_BASE: backend.url,
    GATEWAY_HMAC_SECRET: secret,
    // Any free admin port: other gateways on this machine may hold 9464.
    METRICS_PORT: '0',
    TOOLS_FILE: writeToolsFile(tools(backend.url)),
    ...env,
  });
  await waitFor(async () => (await fetch(`${url}/health/ready`)).status === 200, 'readiness');
  return { issuer, backend, gateway, url, token: issuer.sign(issuer.claims(`${url}/mcp`)) };
}

async function stopStand(stand: Stand): Promise<void> {
  if (stand.gateway.child.exitCode === null) stand.gateway.child.kill('SIGKILL');
  await stand.backend.stop();
  await stand.issuer.stop();
}

/** True once a new TCP connection to `url` is refused: the gateway stopped accepting. */
function refusesConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

const toolCall = (stand: Stand, tool: string): RequestInit => ({
  method: 'POST',
  headers: { authorization: `Bearer ${stand.token}`, 'content-type': 'application/json' },
  body: JSON.stringify({ tool }),
});

describe('SIGTERM (the built gateway in its own process)', () => {
  it('answers all of 200 in-flight calls: readiness down first, then no new connections, then every answer, then exit 0', async () => {
    const gate = new Gate();
    const routes: BackendRoutes = async (call) => {
      if (call.path.startsWith('/held')) await gate.opened;
      return echoRoutes(call);
    };
    // Two backends, so that all 200 calls reach one (the gateway keeps at most 128 connections per backend).
    const secret = randomBytes(32).toString('hex');
    const second = await new SignedBackend(secret, routes).start();
    const stand = await startStand(
      routes,
      { SHUTDOWN_GRACE_MS: '1000', UPSTREAM_TIMEOUT_MS: '120000' },
      (backendUrl) => [
        {
          name: 'held_a',
          description: 'Waits for the test',
          scopes: ['tools:read'],
          upstream: `${backendUrl}/held`,
        },
        {
          name: 'held_b',
          description: 'Waits for the test',
          scopes: ['tools:read'],
          upstream: `${second.url}/held`,
        },
      ],
      secret,
    );
    const pool = new Pool(stand.url, { connections: 200 });
    try {
      const calls = Array.from({ length: 200 }, (_, i) =>
        pool.request({
          path: `/tools/held_${i % 2 ? 'b' : 'a'}`,
          method: 'POST',
          headers: { authorization: `Bearer ${stand.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ i }),
        }),
      );
      let answered = 0;
      calls.forEach(
        (call) =>
          void call.then(
            () => (answered += 1),
            () => undefined,
          ),
      );
      await waitFor(
        () => stand.backend.calls.length + second.calls.length === 200,
        'the backends holding 200 calls',
      );

      stand.gateway.child.kill('SIGTERM');
      await waitFor(async () => (await fetch(`${stand.url}/health/ready`)).status === 503, 'readiness down');
      expect(answered).toBe(0);
      await waitFor(() => refusesConnections(stand.url), 'the listener closing');
      expect(answered).toBe(0);
      expect(stand.gateway.child.exitCode).toBeNull();

      gate.release();
      const responses = await Promise.all(calls);
      const bodies = await Promise.all(responses.map((response) => response.body.json()));
      expect(responses.map((response) => response.statusCode)).toEqual(Array(200).fill(200));
      expect(bodies.map((body) => (body as { args: { i: number } }).args.i)).toEqual([...Array(200).keys()]);
      // They were in flight at SIGTERM: each closes its connection instead of offering it for reuse.
      expect(new Set(responses.map((response) => response.headers.connection))).toEqual(new Set(['close']));
      expect(await stand.gateway.exited).toBe(0);
      expect(stand.gateway.output()).toContain('Stopped');
    } finally {
      gate.release();
      await pool.destroy();
      await second.stop();
      await stopStand(stand);
    }
  });

  it('finishes a call that outlasts 30 s when the tool allows it (the deadline follows the longest tool timeout)', async () => {
    const gate = new Gate();
    const routes: BackendRoutes = async (call) => {
      if (call.path.startsWith('/held')) await gate.opened;
      return echoRoutes(call);
    };
    const stand = await startStand(
      routes,
      { SHUTDOWN_GRACE_MS: '0', UPSTREAM_TIMEOUT_MS: '1000' },
      (backendUrl) => [
        {
          name: 'long_report',
          description: 'Long',
          scopes: ['tools:read'],
          upstream: `${backendUrl}/held`,
          timeoutMs: 45_000,
        },
      ],
    );
    try {
      const call = fetch(`${stand.url}/tools/long_report`, toolCall(stand, 'long_report'));
      await waitFor(() => stand.backend.calls.length === 1, 'the backend holding the call');
      stand.gateway.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 32_000));
      expect(stand.gateway.child.exitCode).toBeNull();
      gate.release();
      const response = await call;
      expect(response.status).toBe(200);
      expect(await stand.gateway.exited).toBe(0);
    } finally {
      await stopStand(stand);
    }
  });

  it('fails no call of a load balancer on keep-alive connections that takes the pod out when readiness turns down', async () => {
    const gate = new Gate();
    const routes: BackendRoutes = async (call) => {
      if (call.path.startsWith('/held')) await gate.opened;
      return echoRoutes(call);
    };
    const stand = await startStand(routes, { SHUTDOWN_GRACE_MS: '1500' }, (backendUrl) => [
      { name: 'quick', description: 'Quick', scopes: ['tools:read'], upstream: `${backendUrl}/delay-20` },
      {
        name: 'held',
        description: 'Waits for the test',
        scopes: ['tools:read'],
        upstream: `${backendUrl}/held`,
      },
    ]);
    // As a balancer: keep-alive connections; new calls stop a while after readiness turned 503 (endpoint
    // propagation), within SHUTDOWN_GRACE_MS.
    const pool = new Pool(stand.url, { connections: 20, pipelining: 1 });
    const failed: string[] = [];
    const call = async (tool: string): Promise<Dispatcher.ResponseData | undefined> => {
      try {
        const response = await pool.request({
          path: `/tools/${tool}`,
          method: 'POST',
          headers: { authorization: `Bearer ${stand.token}`, 'content-type': 'application/json' },
          body: '{}',
        });
        await response.body.text();
        return response;
      } catch (error) {
        failed.push(`${(error as { code?: string }).code ?? ''} ${(error as Error).message}`);
        return undefined;
      }
    };
    try {
      let routing = true;
      let draining = false;
      const answers = { before: [] as Dispatcher.ResponseData[], draining: [] as Dispatcher.ResponseData[] };
      const worker = async (): Promise<void> => {
        while (routing) {
          const phase = draining ? 'draining' : 'before';
          const response = await call('quick');
          if (response) answers[phase].push(response);
        }
      };
      const workers = Array.from({ length: 16 }, () => worker());
      await waitFor(() => answers.before.length >= 200, 'steady keep-alive load');

      stand.gateway.child.kill('SIGTERM');
      await waitFor(async () => (await fetch(`${stand.url}/health/ready`)).status === 503, 'readiness down');
      draining = true;
      // Calls that arrive during the grace period and are still running when the listener closes.
      const held = Array.from({ length: 4 }, () => call('held'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      routing = false;
      await Promise.all(workers);
      await waitFor(() => refusesConnections(stand.url), 'the listener closing');
      gate.release();
      const heldAnswers = await Promise.all(held);

      expect(failed).toEqual([]);
      const all = [...answers.before, ...answers.draining, ...(heldAnswers as Dispatcher.ResponseData[])];
      expect(new Set(all.map((response) => response.statusCode))).toEqual(new Set([200]));
      // While draining, every answer closes its connection, so the balancer's next call opens a new one.
      expect(answers.draining.length).toBeGreaterThan(0);
      expect(
        [...answers.draining, ...(heldAnswers as Dispatcher.ResponseData[])].map((r) => r.headers.connection),
      ).toEqual(Array(answers.draining.length + 4).fill('close'));
      expect(await stand.gateway.exited).toBe(0);
    } finally {
      gate.release();
      await pool.destroy();
      await stopStand(stand);
    }
  });
});
