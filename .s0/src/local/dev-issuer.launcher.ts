import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

import { Logger } from '@nestjs/common';

export interface DevIssuerOptions {
  port?: number;
  audience: string;
  scopes: string[];
  accessTokenTtlS?: number;
  /** `opaque`: opaque access tokens, with introspection and revocation enabled. Default `jwt`. */
  tokenFormat?: 'jwt' | 'opaque';
  /** `false`: tokens bound to no resource, as from providers without RFC 8707 (Gitea); usable at userinfo. */
  resourceIndicators?: boolean;
  /** The confidential client the gateway introspects with. */
  introspectionClient?: { id: string; secret: string };
}

export interface DevIssuerHandle {
  issuer: string;
  jwksUri: string;
  port: number;
  stop(): Promise<void>;
}

interface ReadyLine {
  event: 'ready';
  issuer: string;
  jwks_uri: string;
  port: number;
}

// Same relative path from src/local (ts-jest) and dist/local (tsc output).
const SCRIPT = path.resolve(__dirname, '../../local/dev-issuer.mjs');
const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
const STDERR_LINES_KEPT = 20;

const logger = new Logger('DevIssuer');

/** Starts local/dev-issuer.mjs in a child process (oidc-provider is ESM-only and must stay out of this process). */
export async function launchDevIssuer(options: DevIssuerOptions): Promise<DevIssuerHandle> {
  const args = [
    SCRIPT,
    '--port',
    String(options.port ?? 0),
    '--audience',
    options.audience,
    '--scopes',
    options.scopes.join(' '),
  ];
  if (options.accessTokenTtlS !== undefined) args.push('--access-token-ttl', String(options.accessTokenTtlS));
  if (options.tokenFormat) args.push('--token-format', options.tokenFormat);
  if (options.resourceIndicators === false) args.push('--resource-indicators', 'false');
  if (options.introspectionClient) args.push('--introspection-client-id', options.introspectionClient.id);

  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  // The secret goes through stdin, not argv, which every local user can read.
  child.stdin!.end(options.introspectionClient ? `${options.introspectionClient.secret}\n` : '');
  const killOnParentExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnParentExit);
  child.once('exit', () => process.off('exit', killOnParentExit));

  const stderr = collectStderr(child);
  try {
    const ready = await waitForReady(child, stderr.beforeReady);
    stderr.markReady();
    return { issuer: ready.issuer, jwksUri: ready.jwks_uri, port: ready.port, stop: () => stop(child) };
  } catch (err) {
    await stop(child);
    throw err;
  }
}

function collectStderr(child: ChildProcess): { beforeReady: string[]; markReady(): void } {
  const beforeReady: string[] = [];
  let ready = false;
  createInterface({ input: child.stderr! }).on('line', (line) => {
    // oidc-provider's own notices are about dev-only choices made on purpose (memory adapter, runtime).
    if (line.startsWith('oidc-provider ')) return logger.debug(line);
    if (ready) return logger.warn(line);
    // Until the ready line, what it says belongs to the start-up error, which the caller reports once.
    beforeReady.push(line);
    if (beforeReady.length > STDERR_LINES_KEPT) beforeReady.shift();
  });
  return { beforeReady, markReady: () => void (ready = true) };
}

function waitForReady(child: ChildProcess, stderr: string[]): Promise<ReadyLine> {
  return new Promise((resolve, reject) => {
    const fail = (reason: string): void => {
      cleanup();
      const detail = stderr.length ? `\n${stderr.join('\n')}` : '';
      reject(new Error(`dev issuer did not start: ${reason}${detail}`));
    };
    const onLine = (line: string): void => {
      const ready = parseReadyLine(line);
      if (!ready) return;
      cleanup();
      resolve(ready);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(`it exited (${signal ?? `code ${code}`})`);
    const onError = (err: Error): void => fail(err.message);
    const timer = setTimeout(() => fail(`no ready line within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);

    const stdout = createInterface({ input: child.stdout! });
    const cleanup = (): void => {
      clearTimeout(timer);
      stdout.off('line', onLine);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    stdout.on('line', onLine);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

function parseReadyLine(line: string): ReadyLine | undefined {
  try {
    const parsed = JSON.parse(line) as Partial<ReadyLine>;
    return parsed.event === 'ready' && typeof parsed.issuer === 'string' ? (parsed as ReadyLine) : undefined;
  } catch {
    return undefined;
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
