import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'undici';

import { networkErrorReason } from '../common/network-error';
import { authConfig } from '../config/auth.config';

export type IssuerHttpFailure = 'timeout' | 'too_large' | 'http_status' | 'network' | 'invalid_json';

/** A failed call to the issuer. `url` has neither query nor credentials, so it is safe to log and show. */
export class IssuerHttpError extends Error {
  constructor(
    readonly url: string,
    readonly reason: IssuerHttpFailure,
    readonly detail: string,
    /** The issuer's status when `reason` is `http_status` (e.g. 401 from userinfo or introspection). */
    readonly status?: number,
    readonly headers?: IncomingHttpHeaders,
  ) {
    super(`Issuer endpoint ${url}: ${detail}`);
    this.name = 'IssuerHttpError';
  }
}

export interface IssuerHttpRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Sent as application/x-www-form-urlencoded (RFC 7662 introspection, token endpoint). */
  form?: Record<string, string>;
}

export interface IssuerHttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface IssuerJsonResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** The URL as it may appear in a log line or an error: no query (it may carry secrets), no user info. */
export function redactUrl(url: string | URL): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

/**
 * The only way to the authorization server (discovery, JWKS, introspection, userinfo). Each call has a
 * total deadline of OAUTH_HTTP_TIMEOUT_MS covering connection, headers and the whole body, and reads at
 * most OAUTH_MAX_RESPONSE_BYTES: a stalled, trickling or endless issuer fails that one call with a typed
 * error instead of holding a promise (and whatever waits on it) forever or exhausting memory.
 * Redirects are not followed. Calls use undici's global dispatcher, so a process-wide proxy applies.
 */
@Injectable()
export class IssuerHttpClient {
  constructor(@Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>) {}

  /** Any status is returned; only timeouts, oversize bodies and network failures throw. */
  async send(url: string, init: IssuerHttpRequest = {}): Promise<IssuerHttpResponse> {
    const shownUrl = redactUrl(url);
    const controller = new AbortController();
    const timeoutMs = this.config.httpTimeoutMs;
    const timer = setTimeout(
      () =>
        controller.abort(
          new IssuerHttpError(shownUrl, 'timeout', `no complete answer within ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
    // Settles even if the HTTP stack never does: the caller is released at the deadline regardless.
    const deadline = new Promise<never>((_, reject) =>
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), {
        once: true,
      }),
    );
    deadline.catch(() => undefined);
    try {
      return await Promise.race([this.exchange(url, shownUrl, init, controller.signal), deadline]);
    } catch (error) {
      if (error instanceof IssuerHttpError) throw error;
      if (controller.signal.aborted) throw controller.signal.reason as IssuerHttpError;
      throw new IssuerHttpError(shownUrl, 'network', networkErrorReason(error));
    } finally {
      clearTimeout(timer);
      // Tears down a request still running (after a deadline, or an error while reading the body).
      if (!controller.signal.aborted) controller.abort(new IssuerHttpError(shownUrl, 'network', 'closed'));
    }
  }

  /** A 2xx JSON answer; any other status is an `http_status` error carrying the status and headers. */
  async json(url: string, init: IssuerHttpRequest = {}): Promise<IssuerJsonResponse> {
    const response = await this.send(url, {
      ...init,
      headers: { accept: 'application/json', ...init.headers },
    });
    const shownUrl = redactUrl(url);
    if (response.status < 200 || response.status > 299) {
      throw new IssuerHttpError(
        shownUrl,
        'http_status',
        `HTTP ${response.status}`,
        response.status,
        response.headers,
      );
    }
    try {
      return {
        status: response.status,
        headers: response.headers,
        body: JSON.parse(response.body.toString('utf8')),
      };
    } catch {
      throw new IssuerHttpError(shownUrl, 'invalid_json', 'the answer is not JSON');
    }
  }

  private async exchange(
    url: string,
    shownUrl: string,
    init: IssuerHttpRequest,
    signal: AbortSignal,
  ): Promise<IssuerHttpResponse> {
    const headers = { ...init.headers };
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const response = await request(url, { method: init.method ?? 'GET', headers, body, signal });
    const limit = this.config.maxResponseBytes;
    const tooLarge = (): IssuerHttpError =>
      new IssuerHttpError(shownUrl, 'too_large', `the answer exceeds ${limit} bytes`);
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      response.body.destroy();
      throw tooLarge();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        response.body.destroy();
        throw tooLarge();
      }
      chunks.push(chunk as Buffer);
    }
    return { status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) };
  }
}
