'use strict';
// A tiny OIDC issuer for the benchmark (a JS port of test/support/test-issuer.ts): one RSA key, discovery
// and a JWKS on 127.0.0.1, and RS256 access tokens signed in-process.

const { generateKeyPairSync, randomUUID, sign } = require('node:crypto');
const { createServer } = require('node:http');

class BenchIssuer {
  constructor() {
    this.url = '';
    this.jwksFetches = 0;
    this.kid = randomUUID();
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.publicKey = publicKey;
  }

  async start() {
    this.server = createServer((req, res) => {
      if (req.url === '/.well-known/openid-configuration') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ issuer: this.issuer, jwks_uri: `${this.url}/jwks` }));
      }
      if (req.url === '/jwks') {
        this.jwksFetches += 1;
        res.writeHead(200, { 'content-type': 'application/json' });
        const jwk = { ...this.publicKey.export({ format: 'jwk' }), kid: this.kid, use: 'sig', alg: 'RS256' };
        return res.end(JSON.stringify({ keys: [jwk] }));
      }
      res.writeHead(404).end();
    });
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
    return this;
  }

  /** The `iss` of every token (Auth0 style, trailing slash); OAUTH_ISSUER must equal it exactly. */
  get issuer() {
    return `${this.url}/`;
  }

  /** A valid RS256 access token for `audience`, valid for an hour; `overrides` replace claims. */
  token(audience, overrides = {}) {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', kid: this.kid, typ: 'at+jwt' };
    const claims = {
      iss: this.issuer,
      sub: 'auth0|bench-user',
      aud: audience,
      iat: now,
      exp: now + 3600,
      scope: 'tools:read',
      ...overrides,
    };
    const input = `${b64(header)}.${b64(claims)}`;
    return `${input}.${sign('sha256', Buffer.from(input), this.privateKey).toString('base64url')}`;
  }

  async stop() {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function b64(value) {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

module.exports = { BenchIssuer };
