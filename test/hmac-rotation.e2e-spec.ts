import { randomBytes } from 'node:crypto';

import { freePort, startGateway, TestGateway } from './support/gateway-harness';
import { SignedBackend } from './support/signed-backend';
import { TestIssuer } from './support/test-issuer';
import { writeToolsFile } from './support/tools-file';

/**
 * A rotation of GATEWAY_HMAC_SECRET as docs/deploy/kubernetes.md describes it: backends accept [new, current],
 * replicas switch one by one, then backends drop the old secret.
 */
describe('rotating GATEWAY_HMAC_SECRET', () => {
  const current = randomBytes(32).toString('hex');
  const next = randomBytes(32).toString('hex');
  let issuer: TestIssuer;
  let backend: SignedBackend;
  let oldReplica: TestGateway;
  let newReplica: TestGateway;

  async function replica(secret: string, backendUrl: string): Promise<TestGateway> {
    const port = await freePort();
    return startGateway(
      {
        PUBLIC_URL: 'https://gateway.example.org',
        OAUTH_ISSUER: issuer.issuer,
        OAUTH_AUDIENCE: 'https://gateway.example.org/mcp',
        GATEWAY_HMAC_SECRET: secret,
        TOOLS_FILE: writeToolsFile([
          { name: 'echo', description: 'Echo', scopes: ['tools:read'], upstream: `${backendUrl}/echo` },
        ]),
      },
      port,
    );
  }

  async function callEcho(gateway: TestGateway): Promise<Response> {
    return fetch(`${gateway.url}/tools/echo`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${issuer.sign(issuer.claims('https://gateway.example.org/mcp'))}`,
        'content-type': 'application/json',
      },
      body: '{}',
    });
  }

  beforeAll(async () => {
    issuer = await new TestIssuer().start();
    backend = await new SignedBackend([next, current]).start();
    oldReplica = await replica(current, backend.url);
    newReplica = await replica(next, backend.url);
  });

  afterAll(async () => {
    await oldReplica.stop();
    await newReplica.stop();
    await backend.stop();
    await issuer.stop();
  });

  it('lets a backend that lists [new, current] accept replicas signing with either during the rollout', async () => {
    const fromOld = await callEcho(oldReplica);
    const fromNew = await callEcho(newReplica);

    expect([fromOld.status, fromNew.status]).toEqual([200, 200]);
    expect(await fromOld.json()).toMatchObject({ ok: true, sub: 'auth0|alice' });
    expect(backend.calls.map((call) => call.verdict)).toEqual([
      expect.objectContaining({ ok: true, secretIndex: 1 }),
      expect.objectContaining({ ok: true, secretIndex: 0 }),
    ]);
  });

  it('refuses the old secret once the backend lists only the new one, and the gateway passes its 401 through', async () => {
    const strict = await new SignedBackend([next]).start();
    const oldOnly = await replica(current, strict.url);
    const newOnly = await replica(next, strict.url);
    try {
      const refused = await callEcho(oldOnly);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({ error: 'bad_gateway_signature', reason: 'bad_signature' });
      expect((await callEcho(newOnly)).status).toBe(200);
    } finally {
      await oldOnly.stop();
      await newOnly.stop();
      await strict.stop();
    }
  });
});
