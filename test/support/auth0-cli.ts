/** Variables a CLI run must not inherit from an earlier gateway in the same test process. */
const GATEWAY_PREFIXES =
  /^(NODE_ENV|PORT|PUBLIC_URL|OAUTH_|MGMT_|DCR_|LOG_WEBHOOK_SECRET|GOOGLE_CONNECTION_NAME|LOGIN_CONNECTIONS|TOOL|REQUIRED_SCOPES|FUNCTIONS_BASE|EXAMPLE_TOOLS_ENABLED|GATEWAY_HMAC_SECRET)/;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs an auth0:* CLI entry point in-process with exactly `env` as its configuration; modules are loaded
 * in isolation because they read the configuration when they load. The environment is restored after.
 */
export async function runCli(
  env: Record<string, string>,
  run: (out: (text: string) => void, err: (text: string) => void) => Promise<number>,
): Promise<CliRun> {
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) if (GATEWAY_PREFIXES.test(name)) delete process.env[name];
  Object.assign(process.env, { NODE_ENV: 'test', LOG_LEVEL: 'error', ...env });
  const stdout: string[] = [];
  const stderr: string[] = [];
  try {
    let code = -1;
    await jest.isolateModulesAsync(async () => {
      code = await run(
        (text) => stdout.push(text),
        (text) => stderr.push(text),
      );
    });
    return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}
