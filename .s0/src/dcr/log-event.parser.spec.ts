import { parseLogDelivery } from './log-event.parser';

function dcrRecord(
  clientId: string | undefined,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    log_id: `log-${clientId}`,
    data: {
      type: 'sapi',
      description: 'Dynamic client registration',
      details: {
        request: { method: 'post', path: '/oidc/register' },
        response: { statusCode: 201, body: clientId ? { client_id: clientId, client_name: 'ChatGPT' } : {} },
      },
      ...overrides,
    },
  };
}

const login = { log_id: 'l1', data: { type: 's', description: 'Success Login', client_id: 'app' } };

describe('parseLogDelivery', () => {
  it('reads the three Auth0 content formats: JSON array, JSON lines and a single object', () => {
    const records = [dcrRecord('tpc_a'), login];
    const expected = {
      accepted: 2,
      dcrEvents: [{ logId: 'log-tpc_a', clientId: 'tpc_a', clientName: 'ChatGPT' }],
      ignored: 1,
      malformed: 0,
      unparsable: 0,
    };
    expect(parseLogDelivery(JSON.stringify(records))).toEqual(expected);
    expect(parseLogDelivery(records.map((r) => JSON.stringify(r)).join('\n'))).toEqual(expected);
    expect(
      parseLogDelivery(`${JSON.stringify(records[0])}\r\n\r\n${JSON.stringify(records[1])}\r\n`),
    ).toEqual(expected);
    expect(parseLogDelivery(JSON.stringify(records[0]))).toEqual({ ...expected, accepted: 1, ignored: 0 });
  });

  it('takes the new client id from details.response.body (2026 format), else from data.client_id', () => {
    const legacy = {
      log_id: 'x',
      data: { type: 'sapi', description: 'Dynamic client registration', client_id: 'old-style' },
    };
    expect(parseLogDelivery(JSON.stringify([legacy])).dcrEvents).toEqual([
      { logId: 'x', clientId: 'old-style' },
    ]);
    const bodyAsText = dcrRecord('tpc_b') as { data: { details: { response: { body: unknown } } } };
    bodyAsText.data.details.response.body = JSON.stringify({ client_id: 'tpc_b' });
    expect(parseLogDelivery(JSON.stringify([bodyAsText])).dcrEvents[0].clientId).toBe('tpc_b');
  });

  it('recognises a registration by its /oidc/register path when the description differs', () => {
    const record = dcrRecord('tpc_c', { description: 'Create client' });
    expect(parseLogDelivery(JSON.stringify([record])).dcrEvents).toHaveLength(1);
  });

  it('ignores other events, other sapi calls and failed registrations', () => {
    const otherSapi = {
      log_id: 'o',
      data: {
        type: 'sapi',
        description: 'Update a client',
        details: { request: { path: '/api/v2/clients/x' } },
      },
    };
    const failed = dcrRecord('tpc_d') as { data: { details: { response: { statusCode: number } } } };
    failed.data.details.response.statusCode = 400;
    expect(parseLogDelivery(JSON.stringify([login, otherSapi, failed]))).toEqual({
      accepted: 3,
      dcrEvents: [],
      ignored: 3,
      malformed: 0,
      unparsable: 0,
    });
  });

  it('counts malformed records and keeps the good ones', () => {
    const body = [
      'not json',
      JSON.stringify({ log_id: 'no-data' }),
      JSON.stringify([1]),
      JSON.stringify(dcrRecord(undefined)),
      JSON.stringify(dcrRecord('tpc_e')),
    ].join('\n');
    const parsed = parseLogDelivery(body);
    expect(parsed).toMatchObject({ accepted: 1, ignored: 0, malformed: 4, unparsable: 2 });
    expect(parsed.dcrEvents.map((event) => event.clientId)).toEqual(['tpc_e']);
  });

  it('returns zero counts for an empty or absent body and never throws', () => {
    for (const body of ['', '   ', undefined, null, 42, {}]) {
      expect(() => parseLogDelivery(body)).not.toThrow();
    }
    expect(parseLogDelivery('')).toEqual({
      accepted: 0,
      dcrEvents: [],
      ignored: 0,
      malformed: 0,
      unparsable: 0,
    });
    expect(parseLogDelivery({})).toEqual({
      accepted: 0,
      dcrEvents: [],
      ignored: 0,
      malformed: 1,
      unparsable: 0,
    });
  });
});
