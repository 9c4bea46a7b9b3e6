import { Auth0ManagementStub } from './support/auth0-management-stub';
import { deliverLogs, loginRecord, WEBHOOK_SECRET } from './support/auth0-log-delivery';
import { startGateway, TestGateway } from './support/gateway-harness';

const AUDIENCE = 'https://gateway.example.com/mcp';

describe('POST /auth0-log-webhook', () => {
  let tenant: Auth0ManagementStub;
  let gateway: TestGateway;

  beforeAll(async () => {
    tenant = await Auth0ManagementStub.start({ mode: 'strict' });
    // No MGMT_*: this suite is about the door (secret, formats, counts), not the preparation.
    gateway = await startGateway({
      OAUTH_ISSUER: tenant.issuer,
      OAUTH_AUDIENCE: AUDIENCE,
      LOG_WEBHOOK_SECRET: WEBHOOK_SECRET,
      MAX_BODY_BYTES: '4096',
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    await tenant?.stop();
  });

  const registration = (): Record<string, unknown> =>
    tenant.dcrLogRecord(
      tenant.registerClient({
        client_name: 'ChatGPT',
        redirect_uris: ['https://chatgpt.com/connector_platform_oauth_redirect'],
      }),
    );

  describe('secret', () => {
    it('accepts "Authorization: Bearer <secret>"', async () => {
      const delivery = await deliverLogs(gateway.url, JSON.stringify([loginRecord()]));
      expect(delivery.status).toBe(200);
      expect(delivery.body).toMatchObject({ accepted: 1, ignored: 1, malformed: 0, dcrEvents: 0 });
    });

    it('accepts "X-Webhook-Secret: <secret>"', async () => {
      const delivery = await deliverLogs(gateway.url, JSON.stringify([loginRecord()]), {
        headers: { 'x-webhook-secret': WEBHOOK_SECRET },
      });
      expect(delivery.status).toBe(200);
      expect(delivery.body.accepted).toBe(1);
    });

    it('answers 401 with a challenge and the fix when no secret is sent', async () => {
      const delivery = await deliverLogs(gateway.url, JSON.stringify([loginRecord()]), { headers: {} });
      expect(delivery.status).toBe(401);
      expect(delivery.headers.get('www-authenticate')).toBe('Bearer realm="auth0-log-webhook"');
      expect(delivery.body).toMatchObject({
        error: 'unauthorized',
        code: 'WEBHOOK_SECRET_MISSING',
        requestId: expect.any(String),
      });
      expect(delivery.body.hint).toContain('Bearer <LOG_WEBHOOK_SECRET>');
    });

    it.each([
      ['a wrong bearer secret', { authorization: `Bearer ${WEBHOOK_SECRET}x` }],
      ['a wrong X-Webhook-Secret', { 'x-webhook-secret': 'not-the-secret' }],
      ['the secret without the "Bearer" the stream must send', { authorization: WEBHOOK_SECRET }],
    ])('answers 403 for %s, without echoing any secret', async (_name, headers) => {
      const delivery = await deliverLogs(gateway.url, JSON.stringify([loginRecord()]), { headers });
      expect(delivery.status).toBe(403);
      expect(delivery.body).toMatchObject({ error: 'forbidden', code: 'WEBHOOK_SECRET_WRONG' });
      expect(JSON.stringify(delivery.body)).not.toContain(WEBHOOK_SECRET);
    });

    it('answers on the alias POST /auth0/logs as well', async () => {
      const delivery = await deliverLogs(gateway.url, JSON.stringify(loginRecord()), { path: '/auth0/logs' });
      expect(delivery.status).toBe(200);
      expect(delivery.body.accepted).toBe(1);
    });
  });

  describe('body formats', () => {
    it('reads a JSON array', async () => {
      const delivery = await deliverLogs(
        gateway.url,
        JSON.stringify([loginRecord(), registration(), loginRecord()]),
      );
      expect(delivery.body).toMatchObject({ accepted: 3, dcrEvents: 1, ignored: 2, malformed: 0 });
    });

    it('reads JSON lines, whatever the content type', async () => {
      const body = [loginRecord(), registration()].map((record) => JSON.stringify(record)).join('\n');
      const delivery = await deliverLogs(gateway.url, body, { contentType: 'text/plain' });
      expect(delivery.status).toBe(200);
      expect(delivery.body).toMatchObject({ accepted: 2, dcrEvents: 1, ignored: 1, malformed: 0 });
    });

    it('reads a single JSON object', async () => {
      const delivery = await deliverLogs(gateway.url, JSON.stringify(registration()), {
        contentType: 'application/x-ndjson',
      });
      expect(delivery.body).toMatchObject({ accepted: 1, dcrEvents: 1, ignored: 0, malformed: 0 });
    });

    it('counts DCR events but reports that nothing is prepared without MGMT_*', async () => {
      const delivery = await deliverLogs(gateway.url, JSON.stringify([registration()]));
      expect(delivery.status).toBe(200);
      expect(delivery.body).toMatchObject({ dcrEvents: 1, queued: 0, preparation: 'disabled' });
    });
  });

  describe('bad input', () => {
    it('skips and counts malformed records instead of failing the batch', async () => {
      const body = [
        JSON.stringify(loginRecord()),
        '{not json',
        JSON.stringify({ log_id: 'x' }),
        JSON.stringify('text'),
        JSON.stringify(registration()),
      ].join('\n');
      const delivery = await deliverLogs(gateway.url, body);
      expect(delivery.status).toBe(200);
      expect(delivery.body).toMatchObject({ accepted: 2, dcrEvents: 1, ignored: 1, malformed: 3 });
    });

    it('counts a DCR event without a client id as malformed', async () => {
      const record = registration() as { data: { details: { response: { body: Record<string, unknown> } } } };
      delete record.data.details.response.body.client_id;
      const delivery = await deliverLogs(gateway.url, JSON.stringify([record]));
      expect(delivery.body).toMatchObject({ accepted: 0, dcrEvents: 0, malformed: 1 });
    });

    it('answers 200 with zero counts for an empty body', async () => {
      const delivery = await deliverLogs(gateway.url, '');
      expect(delivery.status).toBe(200);
      expect(delivery.body).toMatchObject({ accepted: 0, dcrEvents: 0, ignored: 0, malformed: 0 });
    });

    it.each([
      ['text that is not JSON', 'not json {'],
      ['JSON lines that are all broken', '{"log_id": "1", \n{oops\n42'],
      ['a JSON string', JSON.stringify('a log line')],
    ])('answers 400 WEBHOOK_BODY_UNPARSABLE when no record parses: %s', async (_name, body) => {
      const delivery = await deliverLogs(gateway.url, body, { contentType: 'text/plain' });
      expect(delivery.status).toBe(400);
      expect(delivery.body).toEqual({
        error: 'invalid_request',
        code: 'WEBHOOK_BODY_UNPARSABLE',
        message: expect.stringMatching(/^None of the \d+ record\(s\) in the delivery is a JSON object$/),
        hint: expect.stringContaining('content format to JSON'),
        requestId: delivery.headers.get('x-request-id'),
      });
    });

    it.each(['gzip', 'deflate'])(
      'answers 400 with a fixed message for a corrupt %s body',
      async (encoding) => {
        const delivery = await deliverLogs(gateway.url, 'definitely not compressed', {
          headers: { authorization: `Bearer ${WEBHOOK_SECRET}`, 'content-encoding': encoding },
        });
        expect(delivery.status).toBe(400);
        expect(delivery.body).toEqual({
          error: 'invalid_request',
          message: 'Request body could not be decompressed (check Content-Encoding)',
          requestId: delivery.headers.get('x-request-id'),
        });
      },
    );

    it('answers 413 in the gateway error shape for a body over MAX_BODY_BYTES', async () => {
      const delivery = await deliverLogs(
        gateway.url,
        JSON.stringify(Array.from({ length: 60 }, () => loginRecord())),
      );
      expect(delivery.status).toBe(413);
      expect(delivery.body).toEqual({
        error: 'payload_too_large',
        message: 'Request body exceeds MAX_BODY_BYTES',
        requestId: expect.any(String),
      });
    });
  });
});

describe('POST /auth0-log-webhook without LOG_WEBHOOK_SECRET', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({ OAUTH_AUDIENCE: AUDIENCE });
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it.each([
    ['no secret', {}],
    ['any bearer secret', { authorization: `Bearer ${WEBHOOK_SECRET}` }],
    ['any X-Webhook-Secret', { 'x-webhook-secret': WEBHOOK_SECRET }],
  ])('refuses a delivery with %s: 503 webhook_not_configured', async (_name, headers) => {
    const delivery = await deliverLogs(gateway.url, JSON.stringify([loginRecord()]), { headers });
    expect(delivery.status).toBe(503);
    expect(delivery.body).toMatchObject({ error: 'webhook_not_configured', code: 'WEBHOOK_NOT_CONFIGURED' });
    expect(delivery.body.message).toContain('LOG_WEBHOOK_SECRET is not configured');
    expect(delivery.body.hint).toContain('openssl rand -hex 24');
  });
});
