import { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

import { AUTH_ERRORS, AuthErrorCode } from '../src/auth/auth.exception';
import { RATE_LIMIT_ERRORS, RateLimitErrorCode } from '../src/rate-limit/rate-limit.exception';
import { CLOSED_PORT_URL } from '../src/testing/faulty-http';
import { startGateway, TestGateway } from './support/gateway-harness';
import { LogCapture, settle } from './support/log-capture';
import {
  RawAnswer,
  rawMcp,
  startVariant,
  signIn,
  STAND_SCOPES,
  STAND_TOOLS,
  toolCall,
} from './support/mcp-stand';
import { obtainToken } from './support/oidc-client';
import { OpaqueStand, startOpaqueStand } from './support/opaque-stand';
import { AnswerRewrite } from './support/provider-doubles';

const CHALLENGE_PREFIX = 'Bearer error="invalid_token"';

describe('opaque access tokens validated by RFC 7662 introspection (oidc-provider, DCR + PKCE)', () => {
  let stand: OpaqueStand;
  const logs = new LogCapture();

  // Log assertions come first: Nest's static logger follows the last gateway started (the variants below).
  beforeAll(async () => {
    stand = await startOpaqueStand({ jsonLogs: true, env: () => ({ LOG_LEVEL: 'log' }) });
    logs.start();
  });

  afterAll(async () => {
    logs.stop();
    await stand?.stop();
  });

  const token = async (scopes: string[] = ['tools:read', 'notes:read']): Promise<string> =>
    (await obtainToken(stand.issuer.issuer, { audience: stand.mcpUrl.href, scopes, loginHint: 'alice' }))
      .accessToken;

  const callTool = (gateway: TestGateway, bearer: string, tool = 'echo'): Promise<Response> =>
    fetch(`${gateway.url}/tools/${tool}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'hello' }),
    });

  it('runs the whole MCP flow with an opaque token: 401 → PRM → DCR → PKCE → token → tools/list → tools/call', async () => {
    const client = await signIn(stand, { loginHint: 'carol' });
    const accessToken = client.accessToken();
    expect(accessToken.split('.')).toHaveLength(1);

    const { tools } = await client.client.listTools();
    const result = (await client.client.callTool({
      name: 'echo',
      arguments: { message: 'opaque' },
    })) as CallToolResult;

    expect(client.exchanges[0].status).toBe(401);
    expect(client.provider.grantedScopes().sort()).toEqual([...STAND_SCOPES].sort());
    expect(tools.map((tool) => tool.name)).toEqual(STAND_TOOLS);
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({
      echo: 'opaque',
      sub: 'carol',
      scopes: expect.arrayContaining(['tools:read']),
    });
    await settle();
    const summaries = logs.messages('oauth_auth_summary').filter((line) => line.login === 'carol');
    expect(summaries.map((line) => line.tool)).toContain('echo');
    expect(summaries.at(-1)).toMatchObject({ token_type: 'opaque', status: 200 });
    await client.client.close();
  });

  it('writes oauth_auth_summary for an opaque call without any part of a token in the output', async () => {
    const issued = await obtainToken(stand.issuer.issuer, {
      audience: stand.mcpUrl.href,
      scopes: ['tools:read'],
      loginHint: 'dora',
    });
    const response = await callTool(stand.gateway, issued.accessToken);
    await settle();

    expect(response.status).toBe(200);
    expect(logs.messages('oauth_auth_summary').filter((line) => line.login === 'dora')).toEqual([
      {
        msg: 'oauth_auth_summary',
        token_type: 'opaque',
        validation: 'introspection',
        scopes_observed: ['tools:read'],
        scopes_effective: ['tools:read'],
        api_probe: 'off',
        login: 'dora',
        client_id: issued.clientId,
        tool: 'echo',
        status: 200,
        duration_ms: expect.any(Number),
        request_id: response.headers.get('x-request-id'),
      },
    ]);
    expect(logs.text).not.toContain(issued.accessToken);
    expect(logs.text).not.toContain(issued.accessToken.slice(0, 12));
  });

  it('serves REST calls with an active token, asking the provider once and then its cache', async () => {
    const bearer = await token();
    const before = stand.validation.calls;

    const first = await callTool(stand.gateway, bearer);
    const second = await callTool(stand.gateway, bearer);

    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ echo: 'hello', sub: 'alice' });
    expect(second.status).toBe(200);
    expect(stand.validation.calls - before).toBe(1);
  });

  it('makes one introspection call for 50 concurrent first uses of one token', async () => {
    const bearer = await token();
    const before = stand.validation.calls;

    const statuses = await Promise.all(
      Array.from({ length: 50 }, async () => (await callTool(stand.gateway, bearer)).status),
    );

    expect(statuses).toEqual(Array(50).fill(200));
    expect(stand.validation.calls - before).toBe(1);
  });

  it('answers 401 TOKEN_INACTIVE to a token the provider does not know, and remembers the refusal briefly', async () => {
    const before = stand.validation.calls;
    const responses = [
      await callTool(stand.gateway, 'gto_never_issued_by_this_provider'),
      await callTool(stand.gateway, 'gto_never_issued_by_this_provider'),
    ];

    for (const response of responses) {
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        `${CHALLENGE_PREFIX}, error_description="The provider reports the access token as inactive", resource_metadata="${stand.gateway.url}/.well-known/oauth-protected-resource"`,
      );
      expect(await response.json()).toEqual({
        error: 'invalid_token',
        code: 'TOKEN_INACTIVE',
        message: 'The provider reports the access token as inactive',
        hint: expect.stringContaining('revoked'),
        requestId: response.headers.get('x-request-id'),
      });
    }
    expect(stand.validation.calls - before).toBe(1);
  });

  it('still routes a JWS to the JWT path when both token types are accepted', async () => {
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`;
    const before = stand.validation.calls;

    const response = await callTool(stand.gateway, unsigned);

    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'ALGORITHM_NOT_ALLOWED' });
    expect(stand.validation.calls).toBe(before);
  });

  it('refuses a token issued for another API (AUDIENCE_MISMATCH, from the introspection answer)', async () => {
    const other = await startVariant(stand, { OAUTH_AUDIENCE: 'https://another-api.example.com' });
    try {
      const response = await callTool(other, await token());

      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain(
        'error="invalid_token", error_description="The token\'s audience',
      );
      expect(await response.json()).toMatchObject({
        code: 'AUDIENCE_MISMATCH',
        expected: 'https://another-api.example.com',
        found: stand.mcpUrl.href,
      });
    } finally {
      await other.stop();
    }
  });

  it('counts an opaque token against its client address (RATE_LIMIT_PER_IP) only until the provider accepted it', async () => {
    const limited = await startVariant(stand, { RATE_LIMIT_PER_IP: '2', RATE_LIMIT_WINDOW_S: '60' });
    try {
      const bearer = await token();
      // The first use asks the provider and counts; the cached answer afterwards does not, as for a JWT.
      for (let i = 0; i < 5; i++) expect((await callTool(limited, bearer)).status).toBe(200);
      expect((await callTool(limited, 'gto_made_up_token_one')).status).toBe(401);

      const refused = await callTool(limited, 'gto_made_up_token_two');

      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await refused.json()).toEqual({
        error: 'rate_limited',
        code: 'RATE_LIMITED',
        message: 'Rate limit exceeded: 2 requests per 60 s per client address without a valid token',
        hint: RATE_LIMIT_ERRORS[RateLimitErrorCode.RATE_LIMITED].hint,
        scope: 'ip',
        limit: 2,
        windowS: 60,
        requestId: refused.headers.get('x-request-id'),
      });
      expect((await callTool(limited, bearer)).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });

  describe("refusals read from the introspection answer (the real provider's answer, rewritten by the proxy)", () => {
    interface Refusal {
      refusal: string;
      rewrite: AnswerRewrite;
      code: AuthErrorCode;
      message: () => string;
      fields?: () => Record<string, unknown>;
    }
    const ANOTHER_ISSUER = 'https://another-issuer.example.com';
    const refusals: Refusal[] = [
      {
        refusal: 'nbf an hour in the future',
        rewrite: (answer) => ({ ...answer, nbf: Math.floor(Date.now() / 1000) + 3600 }),
        code: AuthErrorCode.TOKEN_NOT_YET_VALID,
        message: () => 'The access token is not valid yet',
      },
      {
        refusal: 'the iss of another issuer',
        rewrite: (answer) => ({ ...answer, iss: ANOTHER_ISSUER }),
        code: AuthErrorCode.ISSUER_MISMATCH,
        message: () => `The token's issuer "${ANOTHER_ISSUER}" is not the expected "${stand.issuer.issuer}"`,
        fields: () => ({ expected: stand.issuer.issuer, found: ANOTHER_ISSUER }),
      },
      {
        refusal: 'neither sub nor username',
        rewrite: ({ sub: _sub, username: _username, ...answer }) => answer,
        code: AuthErrorCode.TOKEN_NO_SUB,
        message: () => 'The introspection answer names no subject (sub)',
      },
      {
        refusal: 'token_type refresh_token',
        rewrite: (answer) => ({ ...answer, token_type: 'refresh_token' }),
        code: AuthErrorCode.TOKEN_CLAIMS_INVALID,
        message: () => 'The provider reports a "refresh_token" token, not a bearer access token',
      },
      {
        refusal: 'a DPoP sender constraint (cnf.jkt)',
        rewrite: (answer) => ({ ...answer, cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } }),
        code: AuthErrorCode.TOKEN_CLAIMS_INVALID,
        message: () =>
          'The token is sender-constrained (cnf: DPoP or mTLS), which this gateway cannot verify',
      },
      {
        refusal: 'scope as an array',
        rewrite: (answer) => ({ ...answer, scope: String(answer.scope).split(' ') }),
        code: AuthErrorCode.TOKEN_CLAIMS_INVALID,
        message: () => 'The introspection answer\'s "scope" must be a space-delimited string',
      },
    ];

    afterEach(() => (stand.validation.rewrite = undefined));

    const overRest = async (bearer: string): Promise<RawAnswer> => {
      const response = await callTool(stand.gateway, bearer);
      return { status: response.status, headers: response.headers, body: await response.json() };
    };
    const overMcp = (bearer: string): Promise<RawAnswer> =>
      rawMcp(stand.mcpUrl, { token: bearer, body: toolCall('echo', { message: 'hello' }) });

    const expectRefusal = (answer: RawAnswer, expected: Refusal): void => {
      const requestId = answer.headers.get('x-request-id');
      // The challenge's quoted-string carries the message without its quotes.
      const description = expected.message().replaceAll('"', '');
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe(
        `${CHALLENGE_PREFIX}, error_description="${description}", resource_metadata="${stand.gateway.url}/.well-known/oauth-protected-resource"`,
      );
      expect(requestId).toEqual(expect.any(String));
      expect(answer.body).toEqual({
        error: 'invalid_token',
        code: expected.code,
        message: expected.message(),
        hint: AUTH_ERRORS[expected.code].hint,
        ...expected.fields?.(),
        requestId,
      });
    };

    it.each(refusals)(
      'answers 401 $code on POST /tools/echo and POST /mcp tools/call when the provider reports $refusal, and again on a second call',
      async (expected) => {
        const realAnswers: Record<string, unknown>[] = [];
        stand.validation.rewrite = (answer) => {
          realAnswers.push(answer);
          return expected.rewrite(answer);
        };
        const [restToken, mcpToken] = [await token(), await token()];
        const before = stand.validation.calls;

        for (const answer of [
          await overRest(restToken),
          await overRest(restToken),
          await overMcp(mcpToken),
          await overMcp(mcpToken),
        ]) {
          expectRefusal(answer, expected);
        }
        // One question per token: the refusal is remembered as a refusal, never as the provider's active answer.
        expect(stand.validation.calls - before).toBe(2);
        const activeAnswer = expect.objectContaining({
          active: true,
          sub: 'alice',
          iss: stand.issuer.issuer,
          token_type: 'Bearer',
        });
        expect(realAnswers).toEqual([activeAnswer, activeAnswer]);
      },
    );
  });

  describe('when the provider cannot answer', () => {
    const expectUnavailable = async (response: Response): Promise<void> => {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(response.headers.get('www-authenticate')).toBeNull();
      expect(await response.json()).toEqual({
        error: 'temporarily_unavailable',
        code: 'TOKEN_VALIDATION_UNAVAILABLE',
        message:
          'The gateway cannot validate the token with the provider right now (introspection unavailable)',
        hint: expect.stringContaining('Retry-After'),
        requestId: response.headers.get('x-request-id'),
      });
    };

    afterEach(() => (stand.validation.mode = 'forward'));

    it('answers 503 with Retry-After when introspection fails (HTTP 500), and never lets the token through', async () => {
      stand.validation.mode = 'error';
      await expectUnavailable(await callTool(stand.gateway, 'gto_token_while_the_provider_fails'));
    });

    it('answers 503 within OAUTH_HTTP_TIMEOUT_MS when introspection hangs', async () => {
      stand.validation.mode = 'hang';
      const impatient = await startVariant(stand, { OAUTH_HTTP_TIMEOUT_MS: '300' });
      try {
        await expectUnavailable(await callTool(impatient, 'gto_token_while_the_provider_hangs'));
      } finally {
        await impatient.stop();
      }
    });

    it('answers 503 when nothing listens at the introspection URL', async () => {
      const nowhere = await startVariant(stand, {
        OAUTH_INTROSPECTION_URL: `${CLOSED_PORT_URL}/introspect`,
      });
      try {
        await expectUnavailable(await callTool(nowhere, 'gto_token_while_the_provider_is_gone'));
      } finally {
        await nowhere.stop();
      }
    });

    it('does not cache the failure: the same token works once the provider is back', async () => {
      const bearer = await token();
      stand.validation.mode = 'error';
      expect((await callTool(stand.gateway, bearer)).status).toBe(503);
      stand.validation.mode = 'forward';
      expect((await callTool(stand.gateway, bearer)).status).toBe(200);
    });
  });
});

describe('opaque token lifetime at the provider', () => {
  let stand: OpaqueStand;

  afterEach(async () => stand?.stop());

  const callTool = (bearer: string): Promise<Response> =>
    fetch(`${stand.gateway.url}/tools/echo`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'hello' }),
    });
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  it('refuses a token revoked at the provider once OAUTH_OPAQUE_CACHE_TTL_S has passed', async () => {
    stand = await startOpaqueStand({ env: () => ({ OAUTH_OPAQUE_CACHE_TTL_S: '1' }) });
    const issued = await obtainToken(stand.issuer.issuer, {
      audience: stand.mcpUrl.href,
      scopes: ['tools:read'],
    });
    expect((await callTool(issued.accessToken)).status).toBe(200);

    await issued.revoke();
    await sleep(1100);
    const response = await callTool(issued.accessToken);

    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'TOKEN_INACTIVE' });
  });

  it("never serves a cached answer beyond the token's exp: an expired token is refused", async () => {
    // Long enough for the first call to arrive before exp on a loaded machine; then wait until exp has passed.
    const ttlS = 5;
    stand = await startOpaqueStand({
      accessTokenTtlS: ttlS,
      env: () => ({ OAUTH_OPAQUE_CACHE_TTL_S: '600' }),
    });
    const issued = await obtainToken(stand.issuer.issuer, {
      audience: stand.mcpUrl.href,
      scopes: ['tools:read'],
    });
    const expiresBy = Date.now() + ttlS * 1000;
    expect((await callTool(issued.accessToken)).status).toBe(200);

    await sleep(Math.max(0, expiresBy - Date.now()) + 1100);
    const response = await callTool(issued.accessToken);

    expect(response.status).toBe(401);
    expect((await response.json()) as unknown).toMatchObject({
      code: expect.stringMatching(/^TOKEN_(INACTIVE|EXPIRED)$/),
    });
  });
});

describe('start-up with opaque tokens', () => {
  it('refuses OAUTH_TOKEN_FORMATS=opaque without introspection client credentials, naming both variables', async () => {
    await expect(
      startGateway({
        OAUTH_ISSUER: 'http://127.0.0.1:1',
        OAUTH_AUDIENCE: 'http://127.0.0.1:1/mcp',
        OAUTH_TOKEN_FORMATS: 'opaque',
      }),
    ).rejects.toThrow(
      /OAUTH_INTROSPECTION_CLIENT_ID is required[\s\S]*OAUTH_INTROSPECTION_CLIENT_SECRET is required/,
    );
  });
});
