import { gzipSync } from 'node:zlib';

import { Auth0ManagementStub } from '../support/auth0-management-stub';
import { loginRecord, WEBHOOK_SECRET } from '../support/auth0-log-delivery';
import { startGateway, TestGateway } from '../support/gateway-harness';
import { captureOutput, OutputCapture } from '../support/output-capture';

const MAX_BODY_BYTES = 65_536;

interface HostileDelivery {
  name: string;
  body: () => string | Buffer;
  headers?: Record<string, string>;
  status: number;
  /** The error body's code, or the counts of an accepted delivery. */
  expected: Record<string, unknown>;
}

const bearer = { authorization: `Bearer ${WEBHOOK_SECRET}` };
const nested = (levels: number): string => `${'['.repeat(levels)}${']'.repeat(levels)}`;

const DELIVERIES: HostileDelivery[] = [
  {
    name: 'no secret',
    body: () => '[]',
    headers: {},
    status: 401,
    expected: { code: 'WEBHOOK_SECRET_MISSING' },
  },
  {
    name: 'the secret without Bearer',
    body: () => '[]',
    headers: { authorization: WEBHOOK_SECRET },
    status: 403,
    expected: { code: 'WEBHOOK_SECRET_WRONG' },
  },
  {
    name: 'the secret minus its last character',
    body: () => '[]',
    headers: { authorization: `Bearer ${WEBHOOK_SECRET.slice(0, -1)}` },
    status: 403,
    expected: { code: 'WEBHOOK_SECRET_WRONG' },
  },
  {
    name: 'the secret plus one character',
    body: () => '[]',
    headers: { authorization: `Bearer ${WEBHOOK_SECRET}x` },
    status: 403,
    expected: { code: 'WEBHOOK_SECRET_WRONG' },
  },
  {
    name: 'a wrong X-Webhook-Secret beside a right Authorization',
    body: () => JSON.stringify([loginRecord()]),
    headers: { ...bearer, 'x-webhook-secret': 'guess' },
    status: 200,
    expected: { accepted: 1 },
  },
  {
    name: 'another scheme',
    body: () => '[]',
    headers: { authorization: `Basic ${Buffer.from(`x:${WEBHOOK_SECRET}`).toString('base64')}` },
    status: 403,
    expected: { code: 'WEBHOOK_SECRET_WRONG' },
  },
  {
    name: 'text that is not JSON',
    body: () => 'not json {',
    status: 400,
    expected: { code: 'WEBHOOK_BODY_UNPARSABLE' },
  },
  {
    name: 'binary garbage',
    body: () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131) % 256)),
    headers: { ...bearer, 'content-type': 'application/octet-stream' },
    status: 400,
    expected: { code: 'WEBHOOK_BODY_UNPARSABLE' },
  },
  {
    name: '2 000 broken JSON lines',
    body: () => Array.from({ length: 2000 }, (_, i) => `{"log_id": ${i},`).join('\n'),
    status: 400,
    expected: { code: 'WEBHOOK_BODY_UNPARSABLE' },
  },
  {
    name: 'an array of scalars',
    body: () => JSON.stringify([1, 'two', null, true]),
    status: 400,
    expected: { code: 'WEBHOOK_BODY_UNPARSABLE' },
  },
  {
    name: 'arrays nested 30 000 levels deep',
    body: () => nested(30_000),
    status: 400,
    expected: { code: 'WEBHOOK_BODY_UNPARSABLE' },
  },
  {
    name: 'a corrupt gzip body',
    body: () => Buffer.from('not gzip'),
    headers: { ...bearer, 'content-encoding': 'gzip' },
    status: 400,
    expected: { message: 'Request body could not be decompressed (check Content-Encoding)' },
  },
  {
    name: 'a truncated deflate body',
    body: () => gzipSync(JSON.stringify([loginRecord()])).subarray(0, 20),
    headers: { ...bearer, 'content-encoding': 'deflate' },
    status: 400,
    expected: { message: 'Request body could not be decompressed (check Content-Encoding)' },
  },
  {
    name: 'a body over MAX_BODY_BYTES',
    body: () => JSON.stringify(Array.from({ length: 600 }, () => loginRecord())),
    status: 413,
    expected: { error: 'payload_too_large' },
  },
  {
    name: 'a gzip bomb (1 KB that inflates past MAX_BODY_BYTES)',
    body: () => gzipSync(Buffer.alloc(50 * MAX_BODY_BYTES, 0x20)),
    headers: { ...bearer, 'content-encoding': 'gzip' },
    status: 413,
    expected: { error: 'payload_too_large' },
  },
  {
    name: 'records carrying __proto__ and constructor keys',
    body: () =>
      JSON.stringify([loginRecord()]).replace(
        /^\[\{/,
        '[{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},',
      ),
    status: 200,
    expected: { accepted: 1, malformed: 0 },
  },
  {
    name: 'a mixed batch: one good record among garbage lines',
    body: () => ['garbage', JSON.stringify(loginRecord()), '{"broken"'].join('\n'),
    status: 200,
    expected: { accepted: 1, malformed: 2 },
  },
  {
    name: 'a DCR-looking record whose client id holds CR/LF and 4 KB',
    body: () =>
      JSON.stringify([
        {
          log_id: 'x',
          data: {
            type: 'sapi',
            description: 'Dynamic client registration',
            details: {
              response: { statusCode: 201, body: { client_id: `tpc_\r\nx-injected: 1${'a'.repeat(4096)}` } },
            },
          },
        },
      ]),
    status: 200,
    expected: { accepted: 1, dcrEvents: 1, preparation: 'disabled' },
  },
  { name: 'an empty body', body: () => '', status: 200, expected: { accepted: 0, malformed: 0 } },
];

describe('hostile log-webhook deliveries', () => {
  let tenant: Auth0ManagementStub;
  let gateway: TestGateway;
  let output: OutputCapture;

  beforeAll(async () => {
    tenant = await Auth0ManagementStub.start({ mode: 'strict' });
    gateway = await startGateway(
      {
        OAUTH_ISSUER: tenant.issuer,
        OAUTH_AUDIENCE: 'https://gateway.example.com/mcp',
        LOG_WEBHOOK_SECRET: WEBHOOK_SECRET,
        MAX_BODY_BYTES: String(MAX_BODY_BYTES),
        LOG_LEVEL: 'verbose',
      },
      undefined,
      { jsonLogs: true },
    );
    output = captureOutput();
  });

  afterAll(async () => {
    output?.restore();
    await gateway?.stop();
    await tenant?.stop();
  });

  it.each(DELIVERIES.map((delivery) => [delivery.name, delivery] as const))(
    'answers %s without a 5xx',
    async (_name, delivery) => {
      const response = await fetch(`${gateway.url}/auth0-log-webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(delivery.headers ?? bearer) },
        body: delivery.body(),
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await response.json()) as Record<string, unknown>;

      expect(response.status).toBe(delivery.status);
      expect(body).toMatchObject(delivery.expected);
      expect(body.requestId).toBe(response.headers.get('x-request-id'));
      expect(JSON.stringify(body)).not.toContain(WEBHOOK_SECRET);
    },
  );

  it('stays up, pollutes nothing, and never logs the secret', async () => {
    expect((await fetch(`${gateway.url}/health/live`)).status).toBe(200);
    expect(Object.prototype).not.toHaveProperty('polluted');
    const logged = output.text();
    expect(logged).toContain('log delivery');
    expect(logged).not.toContain(WEBHOOK_SECRET);
    // CR/LF from a delivery stays inside one JSON log line: no forged line can appear.
    const lines = logged.split('\n').filter((line) => line.trim() !== '');
    expect(lines.filter((line) => !isJson(line))).toEqual([]);
  });
});

function isJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}
