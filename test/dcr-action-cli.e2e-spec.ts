import { runInNewContext } from 'node:vm';

import { runActionCli } from '../src/auth0-cli/auth0-action.cli';
import { withInProcessScopes } from '../src/testing/tool.fixtures';
import { runCli } from './support/auth0-cli';

const AUDIENCE = 'https://gateway.example.com/mcp';
const run = (env: Record<string, string>) => runCli(env, (io) => runActionCli([], io));

describe('npm run auth0:action', () => {
  it('prints an Action for the gateway’s own audience and the tool catalog’s scopes', async () => {
    const result = await run({
      OAUTH_AUDIENCE: AUDIENCE,
      PUBLIC_URL: 'https://gateway.example.com',
      FUNCTIONS_BASE: 'https://functions.internal/api',
      TOOL_SCOPES_JSON: JSON.stringify({
        search_docs: ['docs:read'],
        update_doc: ['docs:write', 'docs:read'],
      }),
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`const GATEWAY_AUDIENCE = "${AUDIENCE}";`);
    const scopes = withInProcessScopes(['docs:read', 'docs:write']);
    expect(result.stdout).toContain(
      `const GATEWAY_SCOPES = [${scopes.map((scope) => JSON.stringify(scope)).join(', ')}];`,
    );
    expect(result.stdout).toContain('const CLAIM_NAMESPACE = "https://gateway.example.com/";');

    const module = { exports: {} as { onExecutePostLogin?: unknown } };
    runInNewContext(result.stdout, { module, exports: module.exports });
    expect(typeof module.exports.onExecutePostLogin).toBe('function');
  });

  it('uses TOOL_SCOPES and DCR_CLIENT_NAME_PATTERN when they are set', async () => {
    const result = await run({
      OAUTH_AUDIENCE: AUDIENCE,
      TOOL_SCOPES: 'crm:read',
      DCR_CLIENT_NAME_PATTERN: '^Acme GPT$',
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('const GATEWAY_SCOPES = ["crm:read"];');
    expect(result.stdout).toContain('new RegExp("^Acme GPT$", "i")');
    // Without PUBLIC_URL the claims are namespaced by the audience's origin.
    expect(result.stdout).toContain('const CLAIM_NAMESPACE = "https://gateway.example.com/";');
  });

  it('exits 1 and says why when OAUTH_AUDIENCE is not set', async () => {
    const result = await run({});
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'error: OAUTH_AUDIENCE is not set; the Action needs the API identifier of the gateway',
    );
  });
});
