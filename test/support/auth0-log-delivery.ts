import { randomBytes } from 'node:crypto';

export const WEBHOOK_SECRET = randomBytes(24).toString('hex');

export interface Delivery {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** Posts a log-stream body to the gateway as Auth0 does (the Authorization header exactly as typed). */
export async function deliverLogs(
  gatewayUrl: string,
  body: string,
  options: { headers?: Record<string, string>; path?: string; contentType?: string } = {},
): Promise<Delivery> {
  const response = await fetch(`${gatewayUrl}${options.path ?? '/auth0-log-webhook'}`, {
    method: 'POST',
    headers: {
      'content-type': options.contentType ?? 'application/json',
      ...(options.headers ?? { authorization: `Bearer ${WEBHOOK_SECRET}` }),
    },
    body,
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

/** A well-formed record that is not a DCR registration (a successful login). */
export function loginRecord(logId = `900${randomBytes(6).toString('hex')}`): Record<string, unknown> {
  return {
    log_id: logId,
    data: {
      log_id: logId,
      type: 's',
      description: 'Success Login',
      client_id: 'abc',
      date: new Date().toISOString(),
    },
  };
}
