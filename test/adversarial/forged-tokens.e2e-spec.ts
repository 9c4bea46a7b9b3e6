import { createHmac, generateKeyPairSync, KeyObject } from 'node:crypto';

import { FaultyHttpServer } from '../../src/testing/faulty-http';
import { nonCanonicalTwin } from '../../src/testing/token.fixtures';
import { captureOutput, OutputCapture } from '../support/output-capture';
import { TestIssuer } from '../support/test-issuer';
import { startTokenStack, TokenStack } from '../support/token-stack';

const SECRET = 'c'.repeat(64);

interface Forge {
  issuer: TestIssuer;
  audience: string;
  attacker: KeyObject;
  attackerJwksUrl: string;
}

interface Forgery {
  name: string;
  token: (forge: Forge) => string;
  code: string;
  /** 401 unless stated. */
  status?: number;
  /** The Authorization header as sent; the token is put there as `Bearer <token>` unless this is given. */
  authorization?: (token: string) => string;
}

const b64 = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const raw = (header: unknown, payload: unknown, signature = 'c2lnbmF0dXJl'): string =>
  `${b64(header)}.${b64(payload)}.${signature}`;
const now = (): number => Math.floor(Date.now() / 1000);
const hs = (bits: 256 | 384 | 512, key: string | Buffer, input: string): string =>
  createHmac(`sha${bits}`, key).update(input).digest('base64url');

/** A token from `build(padding)` whose segment `index` has unused trailing bits, so it has a non-canonical twin. */
function withSpareBits(build: (padding: string) => string, index: number): string[] {
  for (let size = 0; ; size += 1) {
    const segments = build('x'.repeat(size)).split('.');
    if (segments[index].length % 4 !== 0) return segments;
  }
}

const claims = (forge: Forge, overrides: Record<string, unknown> = {}): Record<string, unknown> =>
  forge.issuer.claims(forge.audience, overrides);
const signed = (forge: Forge, overrides: Record<string, unknown> = {}, header = {}): string =>
  forge.issuer.sign(claims(forge, overrides), header);
const byAttacker = (forge: Forge, header: Record<string, unknown>): string =>
  forge.issuer.sign(claims(forge), header, forge.attacker);
const hmacForged = (forge: Forge, bits: 256 | 384 | 512, key: string | Buffer): string => {
  const input = `${b64({ alg: `HS${bits}`, typ: 'at+jwt', kid: forge.issuer.currentKid })}.${b64(claims(forge))}`;
  return `${input}.${hs(bits, key, input)}`;
};
const publicDer = (forge: Forge): Buffer =>
  Buffer.from(forge.issuer.publicKeyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');

const CORPUS: Forgery[] = [
  // Not a JWS at all.
  { name: 'an opaque string', token: () => 'Zm9vYmFyYmF6', code: 'ACCESS_TOKEN_NOT_JWS' },
  {
    name: 'two segments',
    token: (f) => signed(f).split('.').slice(0, 2).join('.'),
    code: 'ACCESS_TOKEN_NOT_JWS',
  },
  { name: 'four segments', token: (f) => `${signed(f)}.extra`, code: 'ACCESS_TOKEN_NOT_JWS' },
  { name: 'six segments', token: () => 'a.b.c.d.e.f', code: 'ACCESS_TOKEN_NOT_JWS' },
  { name: 'base64 padding', token: (f) => `${signed(f)}==`, code: 'ACCESS_TOKEN_NOT_JWS' },
  {
    name: 'standard base64 characters',
    token: (f) => signed(f).replace(/-/g, '+').replace(/_/g, '/') + '+/',
    code: 'ACCESS_TOKEN_NOT_JWS',
  },
  {
    name: 'a header that is not JSON',
    token: () => raw('{alg:RS256', { sub: 'x' }),
    code: 'ACCESS_TOKEN_NOT_JWS',
  },
  {
    name: 'a header that is a JSON array',
    token: () => raw(['RS256'], { sub: 'x' }),
    code: 'ACCESS_TOKEN_NOT_JWS',
  },
  {
    name: 'a payload that is not JSON',
    token: () => raw({ alg: 'RS256' }, 'sub=x'),
    code: 'ACCESS_TOKEN_NOT_JWS',
  },
  {
    name: 'a payload that is a JSON number',
    token: () => raw({ alg: 'RS256' }, '42'),
    code: 'ACCESS_TOKEN_NOT_JWS',
  },
  {
    name: 'an empty header segment',
    token: () => `.${b64({ sub: 'x' })}.c2ln`,
    code: 'ACCESS_TOKEN_NOT_JWS',
  },
  {
    name: 'a non-canonical header segment',
    token: (f) => {
      const [header, payload, signature] = withSpareBits((pad) => f.issuer.sign(claims(f), { pad }), 0);
      return `${nonCanonicalTwin(header)}.${payload}.${signature}`;
    },
    code: 'ACCESS_TOKEN_NOT_JWS',
  },
  {
    name: 'a non-canonical payload segment',
    token: (f) => {
      const [header, payload, signature] = withSpareBits((pad) => signed(f, { pad }), 1);
      return `${header}.${nonCanonicalTwin(payload)}.${signature}`;
    },
    code: 'ACCESS_TOKEN_NOT_JWS',
  },
  // Encrypted.
  {
    name: 'a 5-part JWE',
    token: () => `${b64({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.a2V5.aXY.Y2lwaGVy.dGFn`,
    code: 'ACCESS_TOKEN_IS_ENCRYPTED_JWE',
  },
  {
    name: 'a 3-part token with enc',
    token: () => raw({ alg: 'RS256', enc: 'A256GCM' }, {}),
    code: 'ACCESS_TOKEN_IS_ENCRYPTED_JWE',
  },
  // Algorithms.
  ...['none', 'None', 'NONE', 'nOnE', 'none ', ''].map((alg): Forgery => ({
    name: `alg ${JSON.stringify(alg)} without signature`,
    token: (f) => `${b64({ alg, kid: f.issuer.currentKid })}.${b64(claims(f))}.`,
    code: 'ALGORITHM_NOT_ALLOWED',
  })),
  ...[null, 256, ['RS256'], undefined].map((alg): Forgery => ({
    name: `alg ${JSON.stringify(alg) ?? 'missing'}`,
    token: (f) => f.issuer.sign(claims(f), { alg }),
    code: 'ALGORITHM_NOT_ALLOWED',
  })),
  {
    name: "HS256 keyed with the issuer's PEM public key",
    token: (f) => hmacForged(f, 256, f.issuer.publicKeyPem),
    code: 'ALGORITHM_NOT_ALLOWED',
  },
  {
    name: "HS256 keyed with the issuer's DER public key",
    token: (f) => hmacForged(f, 256, publicDer(f)),
    code: 'ALGORITHM_NOT_ALLOWED',
  },
  {
    name: "HS256 keyed with the issuer's JWK",
    token: (f) => hmacForged(f, 256, JSON.stringify({ kty: 'RSA', kid: f.issuer.currentKid })),
    code: 'ALGORITHM_NOT_ALLOWED',
  },
  {
    name: 'HS384 keyed with the public key',
    token: (f) => hmacForged(f, 384, f.issuer.publicKeyPem),
    code: 'ALGORITHM_NOT_ALLOWED',
  },
  {
    name: 'HS512 keyed with the public key',
    token: (f) => hmacForged(f, 512, f.issuer.publicKeyPem),
    code: 'ALGORITHM_NOT_ALLOWED',
  },
  ...['RS384', 'PS256', 'ES256', 'EdDSA'].map((alg): Forgery => ({
    name: `${alg}, outside OAUTH_ALGORITHMS`,
    token: (f) => raw({ alg, kid: f.issuer.currentKid }, claims(f)),
    code: 'ALGORITHM_NOT_ALLOWED',
  })),
  // Signatures.
  {
    name: 'signed by another key under the real kid',
    token: (f) => byAttacker(f, {}),
    code: 'BAD_SIGNATURE',
  },
  {
    name: 'a non-canonical spelling of a valid signature',
    token: (f) => {
      const [header, payload, signature] = signed(f).split('.');
      return `${header}.${payload}.${nonCanonicalTwin(signature)}`;
    },
    code: 'BAD_SIGNATURE',
  },
  { name: 'a truncated signature', token: (f) => signed(f).slice(0, -4), code: 'BAD_SIGNATURE' },
  { name: 'a signature of 4n+1 characters', token: (f) => `${signed(f)}A`, code: 'BAD_SIGNATURE' },
  { name: 'an empty signature', token: (f) => signed(f).replace(/[^.]+$/, ''), code: 'BAD_SIGNATURE' },
  {
    name: "another token's signature",
    token: (f) => {
      const [header, payload] = signed(f, { sub: 'auth0|mallory' }).split('.');
      return `${header}.${payload}.${signed(f).split('.')[2]}`;
    },
    code: 'BAD_SIGNATURE',
  },
  {
    name: 'a payload swapped under a valid signature',
    token: (f) => {
      const [header, , signature] = signed(f).split('.');
      return `${header}.${b64(claims(f, { scope: 'openid tools:read tools:admin' }))}.${signature}`;
    },
    code: 'BAD_SIGNATURE',
  },
  // Key injection: nothing named in a token is ever fetched or trusted.
  {
    name: 'an unknown kid',
    token: (f) => byAttacker(f, { kid: 'attacker-key' }),
    code: 'UNKNOWN_SIGNING_KEY',
  },
  {
    name: 'a path-traversal kid',
    token: (f) => byAttacker(f, { kid: '../../../../etc/passwd' }),
    code: 'UNKNOWN_SIGNING_KEY',
  },
  {
    name: 'an SQL-injection kid',
    token: (f) => byAttacker(f, { kid: "' OR '1'='1" }),
    code: 'UNKNOWN_SIGNING_KEY',
  },
  {
    name: 'a kid with CR/LF',
    token: (f) => byAttacker(f, { kid: 'k\r\nx-injected: 1' }),
    code: 'UNKNOWN_SIGNING_KEY',
  },
  {
    name: 'an 8 KB kid',
    token: (f) => byAttacker(f, { kid: 'k'.repeat(8192) }),
    code: 'UNKNOWN_SIGNING_KEY',
  },
  {
    name: 'jku pointing at an attacker JWKS',
    token: (f) => byAttacker(f, { kid: 'attacker-key', jku: f.attackerJwksUrl }),
    code: 'UNKNOWN_SIGNING_KEY',
  },
  {
    name: 'x5u pointing at an attacker certificate',
    token: (f) => byAttacker(f, { kid: 'attacker-key', x5u: f.attackerJwksUrl }),
    code: 'UNKNOWN_SIGNING_KEY',
  },
  {
    name: 'an embedded attacker jwk under the real kid',
    token: (f) =>
      byAttacker(f, { jwk: { ...f.attacker.export({ format: 'jwk' }), kid: f.issuer.currentKid } }),
    code: 'BAD_SIGNATURE',
  },
  {
    name: 'an embedded x5c under the real kid',
    token: (f) => byAttacker(f, { x5c: ['MIIBIjANBgkq'] }),
    code: 'BAD_SIGNATURE',
  },
  { name: 'a numeric kid', token: (f) => byAttacker(f, { kid: 7 }), code: 'BAD_SIGNATURE' },
  // JWS extensions and token types, signed by the issuer's real key.
  {
    name: 'an unknown crit extension',
    token: (f) => signed(f, {}, { crit: ['urn:example:x'], 'urn:example:x': 1 }),
    code: 'UNSUPPORTED_CRITICAL_HEADER',
  },
  {
    name: 'b64: false (RFC 7797)',
    token: (f) => signed(f, {}, { b64: false, crit: ['b64'] }),
    code: 'UNSUPPORTED_CRITICAL_HEADER',
  },
  {
    name: 'an empty crit list',
    token: (f) => signed(f, {}, { crit: [] }),
    code: 'UNSUPPORTED_CRITICAL_HEADER',
  },
  ...['logout+jwt', 'secevent+jwt', 'application/dpop+jwt', 7].map((typ): Forgery => ({
    name: `typ ${JSON.stringify(typ)}`,
    token: (f) => signed(f, {}, { typ }),
    code: 'TOKEN_TYPE_NOT_ALLOWED',
  })),
  // Claims, signed by the issuer's real key.
  { name: 'an expired token', token: (f) => signed(f, { exp: now() - 60 }), code: 'TOKEN_EXPIRED' },
  { name: 'exp -1e20', token: (f) => signed(f, { exp: -1e20 }), code: 'TOKEN_EXPIRED' },
  {
    name: 'exp as a string',
    token: (f) => signed(f, { exp: String(now() + 600) }),
    code: 'TOKEN_CLAIMS_INVALID',
  },
  { name: 'no exp', token: (f) => signed(f, { exp: undefined }), code: 'TOKEN_CLAIMS_INVALID' },
  { name: 'nbf in an hour', token: (f) => signed(f, { nbf: now() + 3600 }), code: 'TOKEN_NOT_YET_VALID' },
  { name: 'iat in an hour', token: (f) => signed(f, { iat: now() + 3600 }), code: 'TOKEN_NOT_YET_VALID' },
  { name: 'iat as a string', token: (f) => signed(f, { iat: 'yesterday' }), code: 'TOKEN_CLAIMS_INVALID' },
  {
    name: 'iss without the trailing slash',
    token: (f) => signed(f, { iss: f.issuer.url }),
    code: 'ISSUER_MISMATCH',
  },
  {
    name: 'iss in upper case',
    token: (f) => signed(f, { iss: f.issuer.issuer.toUpperCase() }),
    code: 'ISSUER_MISMATCH',
  },
  { name: 'iss as an array', token: (f) => signed(f, { iss: [f.issuer.issuer] }), code: 'ISSUER_MISMATCH' },
  { name: 'no iss', token: (f) => signed(f, { iss: undefined }), code: 'ISSUER_MISMATCH' },
  {
    name: 'aud of another API',
    token: (f) => signed(f, { aud: 'https://other.example.com/api' }),
    code: 'AUDIENCE_MISMATCH',
  },
  {
    name: 'aud with a trailing slash',
    token: (f) => signed(f, { aud: `${f.audience}/` }),
    code: 'AUDIENCE_MISMATCH',
  },
  {
    name: 'aud with a longer path',
    token: (f) => signed(f, { aud: `${f.audience}/admin` }),
    code: 'AUDIENCE_MISMATCH',
  },
  { name: 'no aud', token: (f) => signed(f, { aud: undefined }), code: 'AUDIENCE_MISMATCH' },
  {
    name: 'aud as an object',
    token: (f) => signed(f, { aud: { value: f.audience } }),
    code: 'AUDIENCE_MISMATCH',
  },
  {
    name: 'a duplicate aud whose last value is foreign',
    token: (f) => {
      const json = JSON.stringify(claims(f, { aud: f.audience }));
      return f.issuer.signRaw({}, json.replace(/}$/, ',"aud":"https://other.example.com"}'));
    },
    code: 'AUDIENCE_MISMATCH',
  },
  {
    name: 'a duplicate iss whose last value is foreign',
    token: (f) =>
      f.issuer.signRaw({}, JSON.stringify(claims(f)).replace(/}$/, ',"iss":"https://evil.example/"}')),
    code: 'ISSUER_MISMATCH',
  },
  { name: 'no sub', token: (f) => signed(f, { sub: undefined }), code: 'TOKEN_NO_SUB' },
  { name: 'an empty sub', token: (f) => signed(f, { sub: '' }), code: 'TOKEN_NO_SUB' },
  { name: 'a numeric sub', token: (f) => signed(f, { sub: 42 }), code: 'TOKEN_NO_SUB' },
  {
    name: 'scope as an array',
    token: (f) => signed(f, { scope: ['tools:read'] }),
    code: 'TOKEN_CLAIMS_INVALID',
  },
  {
    name: 'a scope smuggled through __proto__',
    token: (f) =>
      f.issuer.signRaw(
        {},
        JSON.stringify(claims(f, { scope: 'openid' })).replace(
          /}$/,
          ',"__proto__":{"scope":"tools:read","permissions":["tools:read"]}}',
        ),
      ),
    code: 'INSUFFICIENT_SCOPE',
    status: 403,
  },
  // How the token is sent.
  {
    name: 'a token with a space in it',
    token: (f) => signed(f),
    authorization: (t) => `Bearer ${t.slice(0, 20)} ${t.slice(20)}`,
    code: 'MISSING_TOKEN',
  },
  {
    name: 'the Basic scheme',
    token: (f) => signed(f),
    authorization: (t) => `Basic ${t}`,
    code: 'MISSING_TOKEN',
  },
  {
    name: 'two bearer tokens',
    token: (f) => signed(f),
    authorization: (t) => `Bearer ${t}, Bearer ${t}`,
    code: 'MISSING_TOKEN',
  },
  { name: 'Bearer without a token', token: () => '', authorization: () => 'Bearer ', code: 'MISSING_TOKEN' },
];

describe('forged and malformed access tokens', () => {
  let stack: TokenStack;
  let forge: Forge;
  let attackerJwks: FaultyHttpServer;
  let output: OutputCapture;
  const sentTokens: string[] = [];

  beforeAll(async () => {
    const { privateKey: attacker, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    attackerJwks = await new FaultyHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'attacker-key' }] }));
    }).start();
    stack = await startTokenStack({
      secret: SECRET,
      jsonLogs: true,
      env: { LOG_LEVEL: 'verbose', JWKS_COOLDOWN_S: '0' },
      tools: () => [{ name: 'search', description: 'Search', scopes: ['tools:read'] }],
    });
    forge = {
      issuer: stack.issuer,
      audience: stack.audience,
      attacker,
      attackerJwksUrl: `${attackerJwks.url}/jwks`,
    };
    output = captureOutput();
  });

  afterAll(async () => {
    output?.restore();
    await stack?.stop();
    await attackerJwks?.stop();
  });

  it(`holds at least 60 forgeries (${CORPUS.length})`, () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(60);
  });

  it.each(CORPUS.map((forgery) => [forgery.name, forgery] as const))('refuses %s', async (_name, forgery) => {
    const token = forgery.token(forge);
    sentTokens.push(token);
    const response = await fetch(`${stack.gateway.url}/tools/search`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: forgery.authorization ? forgery.authorization(token) : `Bearer ${token}`,
      },
      body: '{}',
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await response.json()) as Record<string, unknown>;
    const challenge = response.headers.get('www-authenticate') ?? '';

    expect({ status: response.status, code: body.code }).toEqual({
      status: forgery.status ?? 401,
      code: forgery.code,
    });
    expect(body.requestId).toBe(response.headers.get('x-request-id'));
    expect(challenge).toContain(`resource_metadata="${stack.prmUrl}"`);
    if (forgery.code === 'MISSING_TOKEN') {
      expect(challenge).not.toContain('error=');
    } else if (forgery.status === 403) {
      expect(challenge).toMatch(/^Bearer error="insufficient_scope", /);
    } else {
      expect(challenge).toMatch(/^Bearer error="invalid_token", error_description="[^"]+", /);
    }
    if (token.length > 40) expect(JSON.stringify(body)).not.toContain(token.slice(-40));
  });

  it('refuses a token whose key the JWKS binds to another algorithm (JWK "alg")', async () => {
    forge.issuer.publishedAlg = 'RS384';
    forge.issuer.rotate();
    try {
      const token = signed(forge);
      sentTokens.push(token);
      const response = await fetch(`${stack.gateway.url}/tools/search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });

      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({
        code: 'ALGORITHM_NOT_ALLOWED',
        found: 'RS256',
        expected: 'RS384',
      });
    } finally {
      forge.issuer.publishedAlg = 'RS256';
      forge.issuer.rotate();
    }
  });

  it('never fetched a key from a URL named in a token', () => {
    expect(attackerJwks.requests).toBe(0);
  });

  it('stays up, still serves a valid token, and logged none of the tokens', async () => {
    const valid = await fetch(`${stack.gateway.url}/tools/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${signed(forge)}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(valid.status).toBe(200);
    expect((await fetch(`${stack.gateway.url}/health/live`)).status).toBe(200);

    const logged = output.text();
    expect(logged).toContain('"context":"Access"');
    for (const token of sentTokens.filter((sent) => sent.length > 40)) {
      expect(logged).not.toContain(token.slice(-40));
    }
  });
});
