import { existsSync } from 'node:fs';
import { createServer, Server } from 'node:net';

import { Injectable, Module } from '@nestjs/common';

import { createGateway } from '../src/gateway';
import { runDemoClient } from '../src/local/demo-client';
import { freePort } from './support/gateway-harness';
import { MAIN, runGateway, waitFor } from './support/gateway-process';
import { TestIssuer } from './support/test-issuer';
import { writeToolsFile } from './support/tools-file';

function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

/** Holds a loopback port, as another process would. */
async function holdPort(): Promise<{ port: number; release(): Promise<void> }> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    release: () => new Promise((resolve) => server.close(() => resolve())),
  };
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
      METRICS_PORT: '0',
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

  it('runs the demo client through local mode with DEV_ISSUER_TOKEN_FORMAT=opaque: opaque tokens, introspected', async () => {
    const [port, issuerPort, backendPort] = [await freePort(), await freePort(), await freePort()];
    const run = runGateway({
      PORT: String(port),
      DEV_ISSUER_PORT: String(issuerPort),
      DEMO_BACKEND_PORT: String(backendPort),
      DEV_ISSUER_TOKEN_FORMAT: 'opaque',
    });
    try {
      await waitFor(() => run.output().includes('LOCAL MODE'), 'the local-mode banner');
      expect(run.output()).toContain('(opaque access tokens, introspected)');
      const lines: string[] = [];

      await runDemoClient(new URL(`http://127.0.0.1:${port}/mcp`), (line) => lines.push(line));

      const output = lines.join('\n');
      expect(output).toMatch(
        /token POST .* → 200: Bearer access token, scope "tools:read", expires in \d+ s, opaque/,
      );
      expect(output).toMatch(/tools\/call echo → result: .*Hello from the MCP SDK client/);
      // Local mode logs readable text: the summary line's fields, without colours.
      const plain = (): string => run.output().replace(/\x1b\[[0-9;]*m/g, '');
      await waitFor(
        () => plain().includes("validation: 'introspection'"),
        'an introspected request in the log',
      );
      expect(plain()).toContain("token_type: 'opaque'");
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
  });
  describe('a start-up failure that is not a configuration error prints its problem once, without a stack', () => {
    const badCatalog = (): string =>
      writeToolsFile([
        { name: 'no_scopes', description: 'A tool without scopes', upstream: 'http://127.0.0.1:9/x' },
      ]);
    const problem = 'TOOLS_FILE tool #1 "no_scopes": "scopes" must be a list of scope names';

    function expectReportedOnce(output: string, text: string): void {
      expect(output).toContain('connector-gateway failed to start');
      expect(occurrences(output, text)).toBe(1);
      expect(output).not.toMatch(/\n\s+at /);
      expect(output).not.toContain('ExceptionHandler');
    }

    it('an invalid tool catalog in production (JSON logs)', async () => {
      const run = runGateway({
        NODE_ENV: 'production',
        PORT: String(await freePort()),
        PUBLIC_URL: 'https://gateway.example.org',
        OAUTH_ISSUER: 'https://tenant.us.auth0.com/',
        OAUTH_AUDIENCE: 'https://gateway.example.org/mcp',
        GATEWAY_HMAC_SECRET: 'a7f3c9e1b5d2f8a4c6e0b9d3f7a1c5e8b2d6f0a4c8e3b7d1f5a9c2e6b0d4f8a3',
        TOOLS_FILE: badCatalog(),
      });
      expect(await run.exited).toBe(1);
      expectReportedOnce(run.output(), problem);
    });

    it('an invalid tool catalog in local mode, before the development issuer starts', async () => {
      const run = runGateway({
        PORT: String(await freePort()),
        DEV_ISSUER_PORT: String(await freePort()),
        DEMO_BACKEND_PORT: String(await freePort()),
        TOOLS_FILE: badCatalog(),
      });
      expect(await run.exited).toBe(1);
      expectReportedOnce(run.output(), problem);
      expect(run.output()).not.toContain('LOCAL MODE');
    });

    it.each(['PORT', 'DEV_ISSUER_PORT', 'DEMO_BACKEND_PORT'])(
      'a port that is taken names the variable that chooses it (%s)',
      async (variable) => {
        const taken = await holdPort();
        try {
          const env: Record<string, string> = {
            PORT: String(await freePort()),
            DEV_ISSUER_PORT: String(await freePort()),
            DEMO_BACKEND_PORT: String(await freePort()),
            METRICS_PORT: String(await freePort()),
            [variable]: String(taken.port),
          };
          const run = runGateway(env);
          expect(await run.exited).toBe(1);
          expectReportedOnce(run.output(), 'EADDRINUSE');
          expect(run.output()).toContain(
            `Port ${taken.port} is in use: stop the process that holds it or set ${variable} to a free port.`,
          );
        } finally {
          await taken.release();
        }
      },
    );

    it('an error while Nest builds the modules is thrown to the caller and not logged with its stack', async () => {
      @Injectable()
      class BrokenTool {
        constructor() {
          throw new Error('BrokenTool cannot be built');
        }
      }
      @Module({ providers: [BrokenTool] })
      class BrokenToolsModule {}
      const issuer = await new TestIssuer().start();
      const written: string[] = [];
      const capture = (chunk: string | Uint8Array): boolean => (written.push(String(chunk)), true);
      const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
      const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
      try {
        const error = await createGateway({
          env: {
            OAUTH_ISSUER: issuer.issuer,
            OAUTH_AUDIENCE: 'https://gateway.example.org/mcp',
            LOG_LEVEL: 'warn',
          },
          modules: [{ module: BrokenToolsModule }],
        }).catch((e: unknown) => e);

        expect(error).toEqual(new Error('BrokenTool cannot be built'));
      } finally {
        stdout.mockRestore();
        stderr.mockRestore();
        await issuer.stop();
      }
      expect(written.join('')).not.toContain('BrokenTool cannot be built');
    });
  });
});
