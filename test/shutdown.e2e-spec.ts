import { startTokenStack, TokenStack } from './support/token-stack';

describe('graceful shutdown', () => {
  let stack: TokenStack;

  beforeAll(async () => {
    stack = await startTokenStack({
      secret: 'd'.repeat(64),
      tools: (backendUrl) => [
        {
          name: 'slow_report',
          description: 'Takes a while',
          scopes: ['tools:read'],
          upstream: `${backendUrl}/delay-400`,
        },
      ],
    });
  });

  afterAll(async () => {
    await stack.backend.stop();
    await stack.issuer.stop();
  });

  it('lets an in-flight call finish while the gateway closes, then refuses new connections', async () => {
    const { gateway, issuer, audience } = stack;
    const token = issuer.sign(issuer.claims(audience));
    const inFlight = fetch(`${gateway.url}/tools/slow_report`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', connection: 'close' },
      body: '{}',
    });
    // Close once the backend has the call, as main.ts does after SIGTERM and the drain period.
    while (!stack.backend.calls.some((call) => call.path === '/delay-400'))
      await new Promise((r) => setTimeout(r, 10));
    const closed = gateway.stop();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, sub: 'auth0|alice' });
    await closed;
    await expect(fetch(`${gateway.url}/health/live`)).rejects.toThrow();
  });
});
