import { Logger } from '@nestjs/common';

import { testAppConfig } from '../testing/config.fixtures';
import { AdminServer, json } from './admin-server';

describe('AdminServer', () => {
  let server: AdminServer;
  let base: string;

  beforeEach(async () => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    server = new AdminServer(testAppConfig({ METRICS_PORT: '0' }));
    server.route('/metrics', () => ({ status: 200, contentType: 'text/plain', body: 'up 1\n' }));
    server.route('/boom', () => {
      throw new Error('secret detail');
    });
    const port = await server.listen();
    base = `http://127.0.0.1:${port}`;
  });

  afterEach(async () => {
    await server.onApplicationShutdown();
    jest.restoreAllMocks();
  });

  it('serves a registered route with its content type and no caching', async () => {
    const response = await fetch(`${base}/metrics?x=1`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.text()).toBe('up 1\n');
  });

  it('serves routes registered after it started listening', async () => {
    server.route('/late', () => json(200, { ok: true }));
    const response = await fetch(`${base}/late`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('answers 404 JSON for an unknown path and 405 for anything but GET/HEAD', async () => {
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not_found', message: 'No admin route /nope' });

    const post = await fetch(`${base}/metrics`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(await post.json()).toEqual({
      error: 'method_not_allowed',
      message: 'Admin routes answer GET only',
    });
  });

  it('answers HEAD with headers only', async () => {
    const response = await fetch(`${base}/metrics`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('answers 500 without the error message when a handler throws', async () => {
    const response = await fetch(`${base}/boom`);
    expect(response.status).toBe(500);
    const body = await response.text();
    expect(JSON.parse(body)).toEqual({ error: 'internal_error', message: 'Admin route /boom failed' });
    expect(body).not.toContain('secret detail');
  });

  it('refuses to register one path twice', () => {
    expect(() => server.route('/metrics', () => json(200, {}))).toThrow(
      'Admin route /metrics is registered twice',
    );
  });

  it('binds METRICS_HOST, loopback by default', () => {
    expect(testAppConfig().metricsHost).toBe('127.0.0.1');
    expect(testAppConfig().metricsPort).toBe(9464);
  });
});
