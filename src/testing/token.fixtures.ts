import { generateKeyPairSync, KeyObject } from 'node:crypto';

import type { AuthenticatedUser } from '../auth/authenticated-user';

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

export function testUser(overrides: Partial<AuthenticatedUser> = {}): AuthenticatedUser {
  return {
    sub: 'user-1',
    scopes: ['tools:read'],
    exp: Math.floor(Date.now() / 1000) + 3600,
    claims: {},
    ...overrides,
  };
}
