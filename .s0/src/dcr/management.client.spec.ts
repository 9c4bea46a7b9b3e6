import { ManagementApiError, retryDelayMs } from './management.client';

const NOW = Date.parse('2026-05-01T10:00:00Z');

describe('retryDelayMs', () => {
  it('waits as Retry-After says, in seconds or as an HTTP date', () => {
    expect(retryDelayMs(new Headers({ 'retry-after': '3' }), 0, 100, 60_000, NOW)).toBe(3000);
    expect(
      retryDelayMs(new Headers({ 'retry-after': new Date(NOW + 2000).toUTCString() }), 0, 100, 60_000, NOW),
    ).toBe(2000);
  });

  it('otherwise waits until x-ratelimit-reset (epoch seconds)', () => {
    const reset = String(Math.floor(NOW / 1000) + 5);
    expect(retryDelayMs(new Headers({ 'x-ratelimit-reset': reset }), 0, 100, 60_000, NOW)).toBe(5000);
  });

  it('otherwise backs off exponentially from the base', () => {
    const delay = retryDelayMs(undefined, 2, 100, 60_000, NOW);
    expect(delay).toBeGreaterThanOrEqual(400);
    expect(delay).toBeLessThanOrEqual(480);
  });

  it('never waits longer than the configured maximum, nor a negative time for a reset in the past', () => {
    expect(retryDelayMs(new Headers({ 'retry-after': '120' }), 0, 100, 25, NOW)).toBe(25);
    const past = String(Math.floor(NOW / 1000) - 10);
    expect(retryDelayMs(new Headers({ 'x-ratelimit-reset': past }), 0, 10, 1000, NOW)).toBeGreaterThanOrEqual(
      10,
    );
  });
});

describe('ManagementApiError', () => {
  it('names the operation and Auth0 answer, and retries only what may succeed later', () => {
    const throttled = new ManagementApiError(
      'POST /client-grants',
      429,
      'too_many_requests',
      'too_many_requests: Global limit',
    );
    expect(throttled.message).toBe(
      'Auth0 Management API POST /client-grants failed: HTTP 429 (too_many_requests: Global limit)',
    );
    expect(throttled.retryable).toBe(true);
    expect(new ManagementApiError('GET /clients', 503, undefined, '').retryable).toBe(true);
    expect(new ManagementApiError('GET /clients', undefined, undefined, 'ECONNREFUSED').retryable).toBe(true);
    expect(new ManagementApiError('PATCH /clients/{id}', 400, 'invalid_body', '').retryable).toBe(false);
    expect(new ManagementApiError('POST /client-grants', 403, 'insufficient_scope', '').retryable).toBe(
      false,
    );
  });
});
