import { createHash, createHmac, KeyObject, timingSafeEqual } from 'node:crypto';

/**
 * Identity headers the gateway adds to every forwarded call. The signature is
 * HMAC-SHA256(GATEWAY_HMAC_SECRET, "v1\n" + timestamp + "\n" + METHOD + "\n" + path + "\n" + sub + "\n" +
 * scopes + "\n" + clientId + "\n" + hex(sha256(body))), hex-encoded, prefixed with "v1=" (clientId is
 * empty when the token names no client), over the header values exactly as sent.
 * Header values can only carry visible ASCII, so sub, client id and each scope are sent percent-encoded:
 * every UTF-8 byte outside `!`..`~`, and `%` itself, becomes %XX (`auth0|alice` is sent as is,
 * `oidc|zoë` as `oidc|zo%C3%AB`, a CR/LF as %0D%0A). Scopes are joined by a space after encoding.
 * verifyGatewaySignature() checks the signature on the sent values, then decodes them.
 * This file has no dependency beyond node:crypto so backend authors can copy it.
 */
export const SIGNATURE_HEADERS = {
  timestamp: 'x-gateway-timestamp',
  subject: 'x-gateway-sub',
  scopes: 'x-gateway-scopes',
  clientId: 'x-gateway-client-id',
  signature: 'x-gateway-signature',
} as const;

export interface SignInput {
  /** GATEWAY_HMAC_SECRET, or a KeyObject made from it once (createSecretKey) to skip re-importing it per call. */
  secret: string | KeyObject;
  method: string;
  /** Path and query of the backend URL, e.g. /functions/search?x=1 */
  path: string;
  sub: string;
  scopes: readonly string[];
  body: string | Buffer;
  clientId?: string;
  /** Epoch seconds; defaults to now. */
  timestamp?: number;
}

// Everything but visible ASCII, and the escape character itself.
const NOT_HEADER_SAFE = /[^\x21-\x24\x26-\x7e]/gu;

/** A value for an identity header: UTF-8 bytes outside visible ASCII, and `%`, as %XX. */
export function encodeIdentityValue(value: string): string {
  return value.replace(NOT_HEADER_SAFE, (character) =>
    [...Buffer.from(character, 'utf8')]
      .map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)
      .join(''),
  );
}

/** The inverse of encodeIdentityValue. */
export function decodeIdentityValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function signGatewayRequest(input: SignInput): Record<string, string> {
  const timestamp = String(input.timestamp ?? Math.floor(Date.now() / 1000));
  const sub = encodeIdentityValue(input.sub);
  const scopes = input.scopes.map(encodeIdentityValue).join(' ');
  const clientId = encodeIdentityValue(input.clientId ?? '');
  const headers: Record<string, string> = {
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.subject]: sub,
    [SIGNATURE_HEADERS.scopes]: scopes,
    [SIGNATURE_HEADERS.signature]: `v1=${mac(input.secret, timestamp, input.method, input.path, sub, scopes, clientId, input.body)}`,
  };
  if (clientId) headers[SIGNATURE_HEADERS.clientId] = clientId;
  return headers;
}

export interface VerifyInput {
  /**
   * The secret, or several during a rotation: the new one first, then the one being replaced. The gateway
   * signs with one secret (GATEWAY_HMAC_SECRET); accepting both lets replicas switch without a cut-over.
   */
  secret: string | readonly string[];
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string | Buffer;
  /** Accepted clock difference and replay window, in seconds (default 300). */
  maxAgeS?: number;
  nowS?: number;
}

/** On success sub, scopes and client id are decoded (see encodeIdentityValue). */
export type VerifyResult =
  | {
      ok: true;
      sub: string;
      scopes: string[];
      clientId?: string;
      timestamp: number;
      /** Which of the given secrets matched: 0 is the first; anything else means callers still use an older one. */
      secretIndex: number;
    }
  | { ok: false; reason: 'missing_headers' | 'stale_timestamp' | 'bad_signature' };

/**
 * Backend side: checks that a call really comes from the gateway, recently, for this method, path,
 * caller (sub, scopes, client id) and body. Within the window a captured request could be replayed as is; backends that need more
 * keep the signatures seen in the last `maxAgeS` seconds and refuse repeats.
 */
export function verifyGatewaySignature(input: VerifyInput): VerifyResult {
  const header = (name: string): string | undefined => {
    const value = input.headers[name] ?? input.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  };
  const timestamp = header(SIGNATURE_HEADERS.timestamp);
  const sub = header(SIGNATURE_HEADERS.subject);
  const scopes = header(SIGNATURE_HEADERS.scopes) ?? '';
  const clientId = header(SIGNATURE_HEADERS.clientId);
  const signature = header(SIGNATURE_HEADERS.signature);
  if (!timestamp || !/^\d+$/.test(timestamp) || sub === undefined || !signature)
    return { ok: false, reason: 'missing_headers' };
  const now = input.nowS ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (input.maxAgeS ?? 300))
    return { ok: false, reason: 'stale_timestamp' };
  const given = Buffer.from(signature);
  const secrets: readonly string[] = typeof input.secret === 'string' ? [input.secret] : input.secret;
  // Every secret is tried, so the time taken does not tell which one matched.
  const matches = secrets.map((secret) => {
    const expected = Buffer.from(
      `v1=${mac(secret, timestamp, input.method, input.path, sub, scopes, clientId ?? '', input.body)}`,
    );
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  const secretIndex = matches.indexOf(true);
  if (secretIndex < 0) return { ok: false, reason: 'bad_signature' };
  return {
    secretIndex,
    ok: true,
    sub: decodeIdentityValue(sub),
    scopes: scopes ? scopes.split(' ').map(decodeIdentityValue) : [],
    clientId: clientId === undefined ? undefined : decodeIdentityValue(clientId),
    timestamp: Number(timestamp),
  };
}

function mac(
  secret: string | KeyObject,
  timestamp: string,
  method: string,
  path: string,
  sub: string,
  scopes: string,
  clientId: string,
  body: string | Buffer,
): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return createHmac('sha256', secret)
    .update(['v1', timestamp, method.toUpperCase(), path, sub, scopes, clientId, bodyHash].join('\n'))
    .digest('hex');
}
