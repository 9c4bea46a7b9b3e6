import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { freePort } from './support/gateway-harness';

const MAIN = path.resolve(__dirname, '../dist/main.js');

/** Runs the built gateway (`npm start` runs the same file) with exactly `env` (plus PATH). */
function runGateway(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  let output = '';
  // cwd elsewhere: a developer's .env in the checkout must not change what these tests see.
  const child = spawn(process.execPath, [MAIN], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  attempts = 200,
): Promise<void> {
  for (let i = 0; i < attempts; i += 1) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('start-up (the built gateway, as npm start runs it)', () => {
  beforeAll(() => {
    if (!existsSync(MAIN))
      throw new Error('dist/main.js is missing: run `npm run build` (npm test does it first)');
  });

  it('refuses to start in production with missing configuration and lists every problem', async () => {
    const run = runGateway({ NODE_ENV: 'production', PORT: 'eighty', OAUTH_ALGORITHMS: 'HS256' });
    expect(await run.exited).toBe(1);
    const output = run.output();
    expect(output).toContain('connector-gateway failed to start');
    for (const problem of [
      'PORT must be an integer',
      'OAUTH_ALGORITHMS may only list',
      'PUBLIC_URL is required when NODE_ENV=production',
      'OAUTH_ISSUER is required when NODE_ENV=production',
      'OAUTH_AUDIENCE is required when NODE_ENV=production',
      'GATEWAY_HMAC_SECRET is required when NODE_ENV=production',
    ]) {
      expect(output).toContain(problem);
    }
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
    expect(output).not.toContain('LOCAL MODE');
  });

  it('refuses placeholder secrets in production without echoing them', async () => {
    const run = runGateway({
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://gateway.example.org',
      OAUTH_ISSUER: 'https://tenant.us.auth0.com/',
      OAUTH_AUDIENCE: 'https://gateway.example.org/mcp',
      GATEWAY_HMAC_SECRET: 'change-me-change-me-change-me-change-me',
    });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('GATEWAY_HMAC_SECRET looks like a placeholder');
    expect(run.output()).not.toContain('change-me-change-me');
  });

  it('starts in local mode with no configuration, warns loudly, serves discovery, and stops on SIGTERM', async () => {
    const [port, issuerPort, backendPort] = [await freePort(), await freePort(), await freePort()];
    const run = runGateway({
      PORT: String(port),
      DEV_ISSUER_PORT: String(issuerPort),
      DEMO_BACKEND_PORT: String(backendPort),
    });
    try {
      await waitFor(() => run.output().includes('LOCAL MODE'), 'the local-mode banner');
      expect(run.output()).toContain(`MCP endpoint (connector URL):  http://127.0.0.1:${port}/mcp`);
      const prm = (await (
        await fetch(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource`)
      ).json()) as Record<string, unknown>;
      expect(prm).toMatchObject({
        resource: `http://127.0.0.1:${port}/mcp`,
        authorization_servers: [`http://127.0.0.1:${issuerPort}`],
      });
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200,
        'readiness',
      );
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('Stopped');
  });
});
