import { generateKeyPairSync, KeyObject } from 'node:crypto';

import type { AuthenticatedUser } from '../common/authenticated-user';

export interface RsaKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const keyPairs: RsaKeyPair[] = [];

/** The n-th RSA key pair of this test file; generated once, since RSA key generation is slow. */
export function rsaKeyPair(index = 0): RsaKeyPair {
  while (keyPairs.length <= index) keyPairs.push(generateKeyPairSync('rsa', { modulusLength: 2048 }));
  return keyPairs[index];
}

export function base64UrlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A compact JWS built by hand, so tests can craft tokens no issuer would sign. */
export function compactJws(
  header: unknown,
  payload: unknown = { sub: 'user-1' },
  signature = 'c2lnbmF0dXJl',
): string {
  return `${base64UrlJson(header)}.${base64UrlJson(payload)}.${signature}`;
}

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * `segment` with its last character changed to another that decodes to the same bytes (unused trailing
 * bits set): the non-canonical spelling a forger would try. Throws when the segment has no such twin.
 */
export function nonCanonicalTwin(segment: string): string {
  const bytes = Buffer.from(segment, 'base64url');
  const twin = [...BASE64URL_ALPHABET]
    .map((last) => segment.slice(0, -1) + last)
    .find((candidate) => candidate !== segment && Buffer.from(candidate, 'base64url').equals(bytes));
  if (!twin) throw new Error(`segment ${segment} has no non-canonical twin`);
  return twin;
}

export function testUser(overrides: Partial<AuthenticatedUser> = {}): AuthenticatedUser {
  return {
    sub: 'user-1',
    scopes: ['tools:read'],
    exp: Math.floor(Date.now() / 1000) + 3600,
    claims: {},
    ...overrides,
  };
}
