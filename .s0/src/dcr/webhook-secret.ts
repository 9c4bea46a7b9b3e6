import { createHash, timingSafeEqual } from 'node:crypto';

import type { IncomingHttpHeaders } from 'node:http';

export const WEBHOOK_SECRET_HEADER = 'x-webhook-secret';

export type WebhookSecretVerdict = 'ok' | 'not-configured' | 'missing' | 'wrong';

/**
 * Checks a log-stream delivery's secret: `Authorization: Bearer <secret>` or `X-Webhook-Secret: <secret>`.
 * Without a configured secret every delivery is refused: an open webhook would let anyone make the
 * gateway hand our API to a client of their choosing.
 */
export function verifyWebhookSecret(
  headers: IncomingHttpHeaders,
  configured: string | undefined,
): WebhookSecretVerdict {
  if (!configured) return 'not-configured';
  const presented = presentedSecrets(headers);
  if (presented.length === 0) return 'missing';
  // Every candidate is compared (no early exit), so the answer time does not tell which header matched.
  const matches = presented.map(
    (candidate) => candidate !== undefined && secretsEqual(candidate, configured),
  );
  return matches.includes(true) ? 'ok' : 'wrong';
}

/**
 * Constant-time comparison: both sides are hashed first, so timingSafeEqual always compares 32 bytes and
 * neither the content nor the length of the configured secret leaks through timing.
 */
export function secretsEqual(presented: string, configured: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(configured));
}

/** The presented credentials; `undefined` stands for one that cannot be right (another scheme, a bare value). */
function presentedSecrets(headers: IncomingHttpHeaders): (string | undefined)[] {
  const found: (string | undefined)[] = [];
  const authorization = headers.authorization?.trim();
  if (authorization) found.push(/^Bearer\s+(.+)$/i.exec(authorization)?.[1].trim());
  const header = headers[WEBHOOK_SECRET_HEADER];
  for (const value of Array.isArray(header) ? header : header ? [header] : []) {
    if (value.trim()) found.push(value.trim());
  }
  return found;
}
