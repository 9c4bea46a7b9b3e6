import { generateKeyPairSync, KeyObject, randomUUID, sign as rsaSign, createHmac } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

import { HttpFault, serveFault } from '../../src/testing/faulty-http';

/**
 * A minimal issuer for crafting tokens the real authorization server would never issue (expired, wrong
 * audience, `alg: none`, HS256 with the public key, unknown kid...). It serves discovery and a JWKS that
 * the test can rotate, and counts JWKS fetches.
 */
export class TestIssuer {
  url = '';
  jwksFetches = 0;
  /** When set, the JWKS (or discovery) endpoint misbehaves this way instead of answering. */
  jwksFault?: HttpFault;
  discoveryFault?: HttpFault;
  /** The `alg` the JWKS names for every key (a key is bound to it). */
  publishedAlg = 'RS256';
  private server?: Server;
  private keys: Array<{ kid: string; privateKey: KeyObject; publicKey: KeyObject }> = [];

  async start(): Promise<this> {
    this.rotate();
    this.server = createServer((req, res) => {
      if (req.url?.startsWith('/.well-known/') && this.discoveryFault) {
        return serveFault(req, res, this.discoveryFault);
      }
      if (req.url === '/.well-known/openid-configuration') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({
            issuer: `${this.url}/`,
            jwks_uri: `${this.url}/jwks`,
            authorization_endpoint: `${this.url}/authorize`,
          }),
        );
      }
      if (req.url === '/jwks') {
        this.jwksFetches += 1;
        if (this.jwksFault) return serveFault(req, res, this.jwksFault);
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({
            keys: this.keys.map(({ kid, publicKey }) => ({
              ...publicKey.export({ format: 'jwk' }),
              kid,
              use: 'sig',
              alg: this.publishedAlg,
            })),
          }),
        );
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The `iss` of tokens this issuer signs (Auth0 style, with the trailing slash). */
  get issuer(): string {
    return `${this.url}/`;
  }

  get currentKid(): string {
    return this.keys[0].kid;
  }

  get publicKeyPem(): string {
    return this.keys[0].publicKey.export({ format: 'pem', type: 'spki' }).toString();
  }

  /** Replaces the published key set with a single new key. */
  rotate(): string {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.keys = [{ kid: randomUUID(), privateKey, publicKey }];
    return this.keys[0].kid;
  }

  /** Signs claims with the current key (RS256) unless `header` overrides alg/kid or `signWith` another key. */
  sign(claims: Record<string, unknown>, header: Record<string, unknown> = {}, signWith?: KeyObject): string {
    const fullHeader = { alg: 'RS256', typ: 'at+jwt', kid: this.currentKid, ...header };
    const input = `${b64(fullHeader)}.${b64(claims)}`;
    if (fullHeader.alg === 'none') return `${input}.`;
    if (fullHeader.alg === 'HS256') {
      // The classic confusion attack: HMAC keyed with the issuer's *public* key.
      return `${input}.${createHmac('sha256', this.publicKeyPem).update(input).digest('base64url')}`;
    }
    const signature = rsaSign('sha256', Buffer.from(input), signWith ?? this.keys[0].privateKey);
    return `${input}.${signature.toString('base64url')}`;
  }

  /**
   * Signs `payloadJson` exactly as given (duplicate keys, `__proto__`...) under `header`, with RS256 and
   * the current key unless `signWith` is another one.
   */
  signRaw(header: Record<string, unknown>, payloadJson: string, signWith?: KeyObject): string {
    const input = `${b64({ alg: 'RS256', typ: 'at+jwt', kid: this.currentKid, ...header })}.${Buffer.from(payloadJson).toString('base64url')}`;
    const signature = rsaSign('sha256', Buffer.from(input), signWith ?? this.keys[0].privateKey);
    return `${input}.${signature.toString('base64url')}`;
  }

  /** Standard valid claims for `audience`, overridable. */
  claims(audience: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: this.issuer,
      sub: 'auth0|alice',
      aud: [audience, `${this.url}/userinfo`],
      iat: now,
      exp: now + 600,
      scope: 'openid tools:read',
      azp: 'client-1',
      ...overrides,
    };
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
