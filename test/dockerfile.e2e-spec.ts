import { execFileSync, execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { createServer as createHttpsServer, Server } from 'node:https';
import { builtinModules } from 'node:module';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { buildContext, execForm, Instruction, parseDockerfile, Stage } from './support/dockerfile';
import { freePort } from './support/gateway-harness';
import { runGateway, waitFor } from './support/gateway-process';
import { SignedBackend } from './support/signed-backend';
import { TestIssuer } from './support/test-issuer';

const ROOT = path.resolve(__dirname, '..');
const dockerfile = parseDockerfile(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const dockerignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8');
const runtime = dockerfile.stages[dockerfile.stages.length - 1];
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean }>;
};
const packageJson = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};
/** The Node release npm run test:node22 runs the suite on (npm test runs it too); the image is built on it. */
const imageNode = /\bnode@(\d+\.\d+\.\d+)\b/.exec(packageJson.scripts['test:node22'])?.[1] ?? 'missing';

function instructions(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword);
}

describe('Dockerfile', () => {
  it('builds in stages on the Node 22 release the suite runs on, and runs the built tree as a numeric non-root user, exec-form node dist/main.js', () => {
    expect(imageNode).toMatch(/^22\.\d+\.\d+$/);
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile.stages.map((stage) => stage.from)).toEqual(
      dockerfile.stages.map(() => `node:${imageNode}-bookworm-slim`),
    );
    const users = instructions(runtime, 'USER');
    expect(users).toHaveLength(1);
    const [uid, gid] = users[0].rest.split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    expect(gid).toBeGreaterThan(0);
    expect(instructions(runtime, 'ENTRYPOINT')).toEqual([]);
    const cmds = instructions(runtime, 'CMD');
    expect(cmds).toHaveLength(1);
    expect(execForm(cmds[0])).toEqual(['node', 'dist/main.js']);
    expect(instructions(runtime, 'ENV').map((env) => env.rest)).toContain('NODE_ENV=production');
    // The runtime installs nothing itself: it copies the built tree and a production-only install.
    expect(instructions(runtime, 'RUN')).toEqual([]);
    const sources = instructions(runtime, 'COPY').map((copy) => copy.flags.from);
    for (const from of sources.filter(Boolean)) {
      const stage = dockerfile.stages.find((candidate) => candidate.name === from)!;
      const installs = instructions(stage, 'RUN').filter((run) => /npm (ci|install)/.test(run.rest));
      if (instructions(stage, 'RUN').some((run) => run.rest.includes('npm run build'))) continue;
      expect(installs.map((run) => run.rest)).toEqual([expect.stringContaining('--omit=dev')]);
    }
  });

  it('documents a production start that needs neither the compiler nor a writable tree (npm run start:prod)', () => {
    const { scripts } = packageJson;
    expect(scripts['start:prod']).toBe('NODE_ENV=production node dist/main.js');
    expect(scripts['prestart:prod']).toBeUndefined();
    expect(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toContain('npm run start:prod');
  });

  it('lists every package the built tree requires as a production dependency (npm ci --omit=dev installs it)', () => {
    const { dependencies } = packageJson;
    const required = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (entry.name.endsWith('.js'))
          for (const [, name] of readFileSync(file, 'utf8').matchAll(
            /require\("((?:@[^/"]+\/)?[^/".][^/"]*)/g,
          ))
            required.add(name);
      }
    };
    walk(path.join(ROOT, 'dist'));
    expect(required.size).toBeGreaterThan(10);
    const missing = [...required].filter(
      (name) => !builtinModules.includes(name) && !name.startsWith('node:'),
    );
    expect(missing.filter((name) => !(name in dependencies))).toEqual([]);
  });

  it('bakes no secret in: no secret-looking ENV or ARG, no .env, keys or certificates in the build context', () => {
    const all = dockerfile.stages.flatMap((stage) => stage.instructions);
    const named = [...all.filter((i) => ['ENV', 'ARG'].includes(i.keyword)), ...Object.keys(dockerfile.args)];
    expect(
      named
        .map((i) => (typeof i === 'string' ? i : i.rest))
        .filter((text) => /SECRET|PASSWORD|TOKEN|KEY/i.test(text)),
    ).toEqual([]);
    const context = buildContext(ROOT, dockerignore);
    expect(context).toContain('package-lock.json');
    expect(context).toContain('src/main.ts');
    expect(
      context.filter((file) =>
        /(^|\/)\.env|\.pem$|\.key$|^node_modules\/|^dist\/|^\.git\/|^test\/|\.spec\.ts$/.test(file),
      ),
    ).toEqual([]);
  });
});

// Its RUN steps stand for the image's node and npm, so it runs on the image's Node line: once per npm test, in the
// Node 22 run when the machine's Node is another (npm run test:node22 -- test/dockerfile.e2e-spec.ts runs it alone).
const onTheImageNode =
  process.versions.node.split('.')[0] === imageNode.split('.')[0] ? describe : describe.skip;

onTheImageNode('the image, built and run from its Dockerfile steps in a clean copy on its Node line', () => {
  let work = '';
  const stageRoots = new Map<string, string>();
  let user: { uid: number; gid: number } = { uid: 0, gid: 0 };
  let cmd: string[] = [];
  let env: Record<string, string> = {};
  let workdir = '/';
  const host = (stage: Stage, containerPath: string): string =>
    path.join(stageRoots.get(stage.name)!, containerPath);

  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'gateway-image-'));
  });

  afterAll(() => {
    execFileSync('chmod', ['-R', 'u+w', work]);
    execFileSync('rm', ['-rf', work]);
  });

  /** Each stage gets its own root; RUN runs on the node and npm this suite runs on, like the base image's. */
  function build(): void {
    const context = path.join(work, 'context');
    for (const file of buildContext(ROOT, dockerignore))
      cpSync(path.join(ROOT, file), path.join(context, file), { recursive: true });
    for (const stage of dockerfile.stages) {
      stageRoots.set(stage.name, path.join(work, 'stages', stage.name));
      mkdirSync(stageRoots.get(stage.name)!, { recursive: true });
      workdir = '/';
      env = {};
      for (const instruction of stage.instructions) {
        if (instruction.keyword === 'WORKDIR') {
          workdir = path.posix.resolve(workdir, instruction.rest);
          mkdirSync(host(stage, workdir), { recursive: true });
        } else if (instruction.keyword === 'ENV') {
          const [name, ...value] = instruction.rest.split('=');
          env[name] = value.join('=');
        } else if (instruction.keyword === 'COPY') {
          const parts = instruction.rest.split(/\s+/);
          const destination = parts.pop()!;
          const from = instruction.flags.from
            ? dockerfile.stages.find((candidate) => candidate.name === instruction.flags.from)!
            : undefined;
          for (const source of parts) {
            const sourcePath = from ? host(from, source) : path.join(context, source);
            const isDirectory = readdirSafe(sourcePath);
            const target = host(stage, path.posix.resolve(workdir, destination));
            cpSync(
              sourcePath,
              destination.endsWith('/') && !isDirectory ? path.join(target, path.basename(source)) : target,
              {
                recursive: true,
                verbatimSymlinks: true,
              },
            );
          }
        } else if (instruction.keyword === 'RUN') {
          execSync(instruction.rest, {
            cwd: host(stage, workdir),
            shell: '/bin/sh',
            stdio: 'pipe',
            // The machine's npm cache stands in for the registry; nothing else of this environment leaks in.
            env: {
              PATH: process.env.PATH!,
              HOME: process.env.HOME!,
              npm_config_prefer_offline: 'true',
              ...env,
            },
          });
        } else if (instruction.keyword === 'USER') {
          const [uid, gid] = instruction.rest.split(':').map(Number);
          user = { uid, gid };
        } else if (instruction.keyword === 'CMD') {
          cmd = execForm(instruction)!;
        }
      }
    }
  }

  it('holds only the built tree and production dependencies, and serves a verified call from a read-only directory', async () => {
    expect(
      execFileSync('node', ['--version'], { env: { PATH: process.env.PATH! } })
        .toString()
        .trim(),
    ).toBe(process.version);
    build();
    const app = host(runtime, workdir);
    expect(readdirSync(app).sort()).toEqual(['dist', 'node_modules', 'package.json']);
    expect(existsSync(path.join(app, 'dist/main.js'))).toBe(true);
    const devOnly = Object.entries(lock.packages)
      .filter(([location, entry]) => location.startsWith('node_modules/') && entry.dev)
      .map(([location]) => location);
    expect(devOnly.length).toBeGreaterThan(0);
    expect(devOnly.filter((location) => existsSync(path.join(app, location)))).toEqual([]);
    expect(existsSync(path.join(app, 'node_modules/@nestjs/core'))).toBe(true);

    // The image's node sits outside the app, executable by every user. This process's may not be (npx keeps
    // the Node 22 of npm run test:node22 under root's home, closed to the image's user).
    const node = path.join(work, 'usr/local/bin/node');
    mkdirSync(path.dirname(node), { recursive: true });
    copyFileSync(process.execPath, node);
    chmodSync(node, 0o555);
    // Read-only for everyone; traversable by the image's user.
    execFileSync('chmod', ['-R', 'a-w', app]);
    for (let dir = app; dir !== path.dirname(work); dir = path.dirname(dir)) chmodSync(dir, 0o555);

    const secret = randomBytes(32).toString('hex');
    const issuer = await new TestIssuer().start();
    const front = await tlsFront(issuer.url, path.join(work, 'tls'));
    const backend = await new SignedBackend(secret).start();
    const port = await freePort();
    const audience = 'https://gateway.example.org/mcp';
    expect(cmd[0]).toBe('node');
    const gateway = runGateway(
      {
        ...env,
        HOME: '/tmp',
        PORT: String(port),
        METRICS_PORT: '0',
        PUBLIC_URL: 'https://gateway.example.org',
        OAUTH_ISSUER: `${front.url}/`,
        OAUTH_AUDIENCE: audience,
        OAUTH_JWKS_URI: `${front.url}/jwks`,
        FUNCTIONS_BASE: backend.url,
        TOOL_SCOPES_JSON: JSON.stringify({ echo: ['tools:read'] }),
        // As the manifests mount it: a read-only file of a Secret volume.
        GATEWAY_HMAC_SECRET_FILE: secretFile(
          path.join(work, 'secrets'),
          'gateway-hmac-secret',
          `${secret}\n`,
        ),
        NODE_EXTRA_CA_CERTS: front.certificate,
      },
      { cwd: app, args: cmd.slice(1), node, ...(process.getuid?.() === 0 ? user : {}) },
    );
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitFor(async () => (await fetch(`${url}/health/ready`)).status === 200, 'readiness').catch(
        (error: Error) => {
          throw new Error(`${error.message}; the gateway printed:\n${gateway.output()}`);
        },
      );
      const token = issuer.sign(issuer.claims(audience, { iss: `${front.url}/` }));
      const response = await fetch(`${url}/tools/echo`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ q: 'image' }),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ ok: true, sub: 'auth0|alice', args: { q: 'image' } });
      expect(backend.calls.map((call) => call.verdict.ok)).toEqual([true]);
    } finally {
      gateway.child.kill('SIGTERM');
      await front.stop();
      await backend.stop();
      await issuer.stop();
    }
    expect(await gateway.exited).toBe(0);
    expect(gateway.output()).not.toMatch(/EACCES|EROFS|read-only/i);
    expect(gateway.output()).not.toContain(secret);
  }, 900_000);
});

function secretFile(dir: string, name: string, content: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const file = path.join(dir, name);
  writeFileSync(file, content, { mode: 0o444 });
  return file;
}

function readdirSafe(file: string): boolean {
  try {
    readdirSync(file);
    return true;
  } catch {
    return false;
  }
}

/** An https origin for the issuer (production refuses plain-http issuers), with a self-signed certificate. */
async function tlsFront(
  target: string,
  dir: string,
): Promise<{ url: string; certificate: string; stop: () => Promise<void> }> {
  mkdirSync(dir, { recursive: true });
  const [key, certificate] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      certificate,
    ],
    { stdio: 'pipe' },
  );
  chmodSync(dir, 0o755);
  chmodSync(certificate, 0o444);
  const server: Server = createHttpsServer(
    { key: readFileSync(key), cert: readFileSync(certificate) },
    async (req, res) => {
      const upstream = await fetch(`${target}${req.url}`);
      res.writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'application/json',
      });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    certificate,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
