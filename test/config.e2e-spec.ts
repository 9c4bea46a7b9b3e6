import { ConfigValidationError } from '../src/config/gateway-config';
import { createGateway } from '../src/gateway';
import { withInProcessScopes } from '../src/testing/tool.fixtures';
import { startGateway, TestGateway } from './support/gateway-harness';
import { TestIssuer } from './support/test-issuer';
import { writeToolsFile } from './support/tools-file';

describe('configuration: the application is built from the variables it is given', () => {
  let issuer: TestIssuer;
  let first: TestGateway;
  let second: TestGateway;

  beforeAll(async () => {
    issuer = await new TestIssuer().start();
    const gatewayWith = (scope: string, debugToken: string): Promise<TestGateway> =>
      startGateway({
        OAUTH_ISSUER: issuer.issuer,
        OAUTH_AUDIENCE: `https://${scope.replace(':', '-')}.example.com`,
        TOOLS_FILE: writeToolsFile([
          { name: 'only_tool', description: 'One tool', scopes: [scope], upstream: 'http://127.0.0.1:9/x' },
        ]),
        DEBUG_TOKEN_ENABLED: debugToken,
      });
    first = await gatewayWith('first:read', 'true');
    second = await gatewayWith('second:read', 'false');
  });

  afterAll(async () => {
    await first?.stop();
    await second?.stop();
    await issuer?.stop();
  });

  it('runs two gateways with different configurations side by side in one process', async () => {
    const [a, b] = await Promise.all(
      [first, second].map(async (gateway) =>
        (await fetch(`${gateway.url}/.well-known/oauth-protected-resource`)).json(),
      ),
    );

    expect(a).toMatchObject({
      resource: 'https://first-read.example.com',
      scopes_supported: withInProcessScopes(['first:read']),
    });
    expect(b).toMatchObject({
      resource: 'https://second-read.example.com',
      scopes_supported: withInProcessScopes(['second:read']),
    });
  });

  it('mounts optional modules per gateway: /debug-token on the first only', async () => {
    const [a, b] = await Promise.all([first, second].map((gateway) => fetch(`${gateway.url}/debug-token`)));

    expect(a.status).toBe(401);
    expect(a.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(b.status).toBe(404);
  });

  it('refuses an invalid configuration before Nest starts, listing every problem', async () => {
    const error = await createGateway({ env: { PORT: '80a', OAUTH_ISSUER: 'not a url' } }).catch((e) => e);

    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as ConfigValidationError).problems).toEqual([
      'PORT must be an integer between 0 and 65535 (got "80a")',
      'OAUTH_ISSUER must be the exact issuer URL, e.g. https://TENANT.us.auth0.com/ (got "not a url")',
      'OAUTH_AUDIENCE is required when OAUTH_ISSUER is set (the API identifier your tokens carry in `aud`)',
    ]);
  });
});
