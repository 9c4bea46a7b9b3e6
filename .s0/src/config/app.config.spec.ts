import { buildAppConfig, parseTrustProxy } from './app.config';

describe('parseTrustProxy', () => {
  it.each(['', 'false', 'FALSE', '0', 'no', 'off', '  off  '])(
    'reads %p as "do not trust X-Forwarded-*"',
    (value) => {
      expect(parseTrustProxy(value)).toBe(false);
    },
  );

  it.each(['true', 'True', 'yes', 'on'])('reads %p as "trust every proxy"', (value) => {
    expect(parseTrustProxy(value)).toBe(true);
  });

  it('reads a number as a hop count', () => {
    expect(parseTrustProxy('2')).toBe(2);
  });

  it('keeps an address list as Express expects it, case and all', () => {
    expect(parseTrustProxy(' loopback, 10.0.0.0/8, fd00::/8 ')).toBe('loopback, 10.0.0.0/8, fd00::/8');
  });
});

describe('buildAppConfig', () => {
  it('defaults to a development gateway on 127.0.0.1:8080 that trusts no proxy', () => {
    expect(buildAppConfig({})).toEqual({
      production: false,
      port: 8080,
      publicUrl: 'http://127.0.0.1:8080',
      publicUrlConfigured: false,
      appOrigins: [],
      trustProxy: false,
      maxBodyBytes: 1024 * 1024,
      logLevel: 'log',
      shutdownGraceMs: 5000,
      keepAliveTimeoutMs: 65_000,
      headersTimeoutMs: 66_000,
      proxy: { httpProxy: '', httpsProxy: '', noProxy: '' },
      metricsPort: 9464,
      metricsHost: '127.0.0.1',
      redis: undefined,
      rateLimits: { windowS: 60, perSubject: 0, perTool: 0, perIp: 0 },
    });
  });

  it('shares state on Redis only when REDIS_URL is set, under REDIS_KEY_PREFIX', () => {
    expect(
      buildAppConfig({ REDIS_URL: 'redis://127.0.0.1:6379/2', REDIS_KEY_PREFIX: 'gw-a:' }).redis,
    ).toEqual({
      url: 'redis://127.0.0.1:6379/2',
      keyPrefix: 'gw-a:',
      timeoutMs: 500,
    });
  });

  it('refuses a REDIS_URL that is not redis:// or rediss://, without echoing it (it may hold a password)', () => {
    expect(() => buildAppConfig({ REDIS_URL: 'http://user:hunter2@cache:6379' })).toThrow(
      'REDIS_URL must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379 (got "<redacted>")',
    );
  });

  it('reads the outbound proxy as undici does: lower case first, https falling back to the http proxy', () => {
    expect(
      buildAppConfig({
        HTTP_PROXY: 'http://upper:3128',
        http_proxy: 'http://lower:3128',
        NO_PROXY: '.svc,localhost',
      }).proxy,
    ).toEqual({ httpProxy: 'http://lower:3128', httpsProxy: 'http://lower:3128', noProxy: '.svc,localhost' });
    expect(buildAppConfig({ HTTPS_PROXY: 'http://tls-proxy:3128' }).proxy).toEqual({
      httpProxy: '',
      httpsProxy: 'http://tls-proxy:3128',
      noProxy: '',
    });
  });

  it('refuses a proxy that is not a URL without echoing it (it may hold credentials)', () => {
    expect(() => buildAppConfig({ HTTPS_PROXY: 'user:s3cret@proxy' })).toThrow(
      /HTTPS_PROXY must be an absolute http\(s\) URL[^\n]*<redacted>/,
    );
  });

  it('derives the default public URL from PORT', () => {
    expect(buildAppConfig({ PORT: '9090' }).publicUrl).toBe('http://127.0.0.1:9090');
  });

  it('reads PUBLIC_URL without its trailing slash and a comma-separated APP_ORIGIN', () => {
    const config = buildAppConfig({
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://gw.example.com/',
      APP_ORIGIN: 'https://chatgpt.com, https://app.example.com',
      TRUST_PROXY: '1',
    });

    expect(config).toMatchObject({
      production: true,
      publicUrl: 'https://gw.example.com',
      publicUrlConfigured: true,
      appOrigins: ['https://chatgpt.com', 'https://app.example.com'],
      trustProxy: 1,
    });
  });
});
