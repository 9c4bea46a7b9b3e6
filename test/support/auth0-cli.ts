import type { CliIo } from '../../src/auth0-cli/cli-context';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs an auth0:* CLI entry point in-process with exactly `env` as its configuration, capturing its output. */
export async function runCli(
  env: Record<string, string>,
  run: (io: CliIo) => Promise<number>,
): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await run({
    env: { NODE_ENV: 'test', LOG_LEVEL: 'error', ...env },
    out: (text) => stdout.push(text),
    err: (text) => stderr.push(text),
  });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}
