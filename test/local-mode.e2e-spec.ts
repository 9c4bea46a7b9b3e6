import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { decodeJwt } from 'jose';
import { parse } from 'yaml';

import { PRM_PATH } from '../src/common/routes';
import { freePort } from './support/gateway-harness';
import { GatewayProcess, localCommand, runGateway, waitFor } from './support/gateway-process';
import { writeToolsFile } from './support/tools-file';

interface LocalGateway {
  run: GatewayProcess;
  port: number;
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** The demo catalog as a newcomer extends it: one more tool, with a scope no demo tool uses. */
function demoCatalogPlus(tool: Record<string, unknown>): string {
  const demo = parse(readFileSync(path.resolve(__dirname, '../local/demo-tools.yaml'), 'utf8')) as {
    tools: Array<Record<string, unknown>>;
  };
  return writeToolsFile([...demo.tools, tool]);
}

/** `npm start` with no issuer configured: local mode, on free ports. */
async function startLocalMode(env: Record<string, string> = {}): Promise<LocalGateway> {
  const base = {
    PORT: String(await freePort()),
    DEV_ISSUER_PORT: String(await freePort()),
    DEMO_BACKEND_PORT: String(await freePort()),
    METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
    ...env,
  };
  const port = Number(base.PORT);
  const run = runGateway(base);
  const ready = async (): Promise<boolean> =>
    (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.status === 200;
  const stop = async (): Promise<void> => {
    run.child.kill('SIGTERM');
    await run.exited;
  };
  await waitFor(async () => run.output().includes('LOCAL MODE') && (await ready()), 'local mode').catch(
    async (error: unknown) => {
      await stop();
      throw new Error(`${String(error)}; the gateway said:\n${run.output().slice(-3000)}`);
    },
  );
  return { run, port, env: base, stop };
}

/** `npm run -s token -- args`, with the gateway's PORT / PUBLIC_URL as a developer's shell would have them. */
async function token(
  gateway: LocalGateway,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = {
    PORT: gateway.env.PORT,
    ...(gateway.env.PUBLIC_URL ? { PUBLIC_URL: gateway.env.PUBLIC_URL } : {}),
  };
  const run = runGateway(env, { args: localCommand('token.cli.js', args) });
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

function scopesOf(accessToken: string): string[] {
  return String(decodeJwt(accessToken).scope).split(' ').sort();
}

describe('local mode, as a newcomer uses it (the built gateway, npm run token, npm run demo:client)', () => {
  let gateway: LocalGateway;
  let mcpUrl: string;

  beforeAll(async () => {
    const backendPort = await freePort();
    gateway = await startLocalMode({
      DEMO_BACKEND_PORT: String(backendPort),
      // README, "Adding a tool": a forwarded tool in TOOLS_FILE, here answered by the demo backend's echo.
      TOOLS_FILE: demoCatalogPlus({
        name: 'search_docs',
        description: "Full-text search in the team's documents.",
        scopes: ['docs:read'],
        upstream: `http://127.0.0.1:${backendPort}/echo`,
        inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
      }),
    });
    mcpUrl = `http://127.0.0.1:${gateway.port}/mcp`;
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  describe('npm run -s token', () => {
    it('prints only an access token with the scope of the added tool, which POST /tools/search_docs accepts', async () => {
      const issued = await token(gateway, ['--scope', 'docs:read']);

      expect(issued).toMatchObject({ code: 0, stderr: '' });
      expect(issued.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
      const accessToken = issued.stdout.trim();
      expect(decodeJwt(accessToken)).toMatchObject({ aud: mcpUrl, sub: 'demo-user', scope: 'docs:read' });

      const response = await fetch(`http://127.0.0.1:${gateway.port}/tools/search_docs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'hello' }),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ echo: 'hello', sub: 'demo-user', scopes: ['docs:read'] });
    });

    it('without --scope asks for every scope of the catalog, and signs in --user', async () => {
      const prm = (await (await fetch(`http://127.0.0.1:${gateway.port}${PRM_PATH}/mcp`)).json()) as {
        scopes_supported: string[];
      };
      expect(prm.scopes_supported).toContain('docs:read');

      const issued = await token(gateway, ['--user', 'alice']);

      expect(issued.code).toBe(0);
      expect(scopesOf(issued.stdout.trim())).toEqual([...prm.scopes_supported].sort());
      expect(decodeJwt(issued.stdout.trim()).sub).toBe('alice');
    });

    it('refuses a scope no tool needs and names the ones the gateway has', async () => {
      const issued = await token(gateway, ['--scope', 'tools:read docs:write']);

      expect(issued.code).toBe(1);
      expect(issued.stdout).toBe('');
      expect(issued.stderr).toContain(
        'No tool of the gateway needs docs:write, so its issuer does not grant it.',
      );
      expect(issued.stderr).toMatch(/The gateway's scopes: .*docs:read/);
    });

    it('says what to do when nothing answers on the port', async () => {
      const run = runGateway({ PORT: String(await freePort()) }, { args: localCommand('token.cli.js') });

      expect(await run.exited).toBe(1);
      expect(run.stdout()).toBe('');
      expect(run.stderr()).toMatch(
        /Nothing answers at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): start the gateway/,
      );
    });
  });

  describe('npm run demo:client', () => {
    it('finds the gateway on the port PORT names and goes through discovery, sign-in, step-up and calls', async () => {
      const run = runGateway({ PORT: String(gateway.port) }, { args: localCommand('demo-client.js') });

      expect(await run.exited).toBe(0);
      const output = run.output();
      expect(output).toContain(`MCP endpoint: ${mcpUrl}`);
      const prm = (await (await fetch(`http://127.0.0.1:${gateway.port}${PRM_PATH}/mcp`)).json()) as {
        scopes_supported: string[];
      };
      expect(prm.scopes_supported).toContain('docs:read');
      expect(output).toContain(`scope="${prm.scopes_supported.join(' ')}"`);
      expect(output).toMatch(/tools\/call echo → result: /);
      expect(output).toMatch(/tools\/call search_notes → result: /);
    });

    it('reached as localhost instead of 127.0.0.1, says which URL or PUBLIC_URL to use, and the gateway logs it', async () => {
      const localhost = `http://localhost:${gateway.port}`;
      const run = runGateway({}, { args: localCommand('demo-client.js', [`${localhost}/mcp`]) });

      expect(await run.exited).toBe(1);
      expect(run.stderr()).toContain(
        `Protected resource ${mcpUrl} does not match expected ${localhost}/mcp (or origin)`,
      );
      expect(run.stderr()).toContain(
        `connect to ${mcpUrl}, or restart the gateway with PUBLIC_URL=${localhost}.`,
      );
      await waitFor(
        () => gateway.run.output().includes(`A client reached the gateway as ${localhost}`),
        'the log',
      );
      expect(gateway.run.output()).toContain(
        `Connect to ${mcpUrl}, or restart with PUBLIC_URL=${localhost}.`,
      );
    });
  });

  describe('with PUBLIC_URL=http://localhost:PORT', () => {
    let named: LocalGateway;
    let localhost: string;

    beforeAll(async () => {
      const port = await freePort();
      localhost = `http://localhost:${port}`;
      named = await startLocalMode({ PORT: String(port), PUBLIC_URL: localhost });
    });

    afterAll(async () => {
      await named?.stop();
    });

    it('the banner, the demo client and the token all use localhost', async () => {
      expect(named.run.output()).toContain(`MCP endpoint (connector URL):  ${localhost}/mcp`);

      const demo = runGateway(
        { PORT: named.env.PORT, PUBLIC_URL: localhost },
        { args: localCommand('demo-client.js') },
      );
      expect(await demo.exited).toBe(0);
      expect(demo.output()).toContain(`MCP endpoint: ${localhost}/mcp`);

      const issued = await token(named, ['--scope', 'tools:read']);
      expect(issued.code).toBe(0);
      const accessToken = issued.stdout.trim();
      expect(decodeJwt(accessToken).aud).toBe(`${localhost}/mcp`);
      const response = await fetch(`${localhost}/tools/echo`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'via localhost' }),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ echo: 'via localhost', scopes: ['tools:read'] });
    });
  });
});
