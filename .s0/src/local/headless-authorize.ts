export interface HeadlessAuthorizeOptions {
  /** Defaults to the authorization URL's `redirect_uri` parameter. */
  redirectUri?: string;
  maxRedirects?: number;
}

const DEFAULT_MAX_REDIRECTS = 10;
const BODY_EXCERPT_CHARS = 200;

/**
 * Walks an authorization request through an issuer that logs in and consents without a form (the dev issuer),
 * like a browser would, and returns the redirect to the client (with `code` and `state`, or `error`) unfetched.
 */
export async function authorizeHeadlessly(
  authorizationUrl: URL | string,
  options: HeadlessAuthorizeOptions = {},
): Promise<URL> {
  const start = new URL(authorizationUrl);
  const redirectUri = options.redirectUri ?? start.searchParams.get('redirect_uri') ?? undefined;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const isClientRedirect = (url: URL): boolean =>
    redirectUri ? sameEndpoint(url, new URL(redirectUri)) : url.origin !== start.origin;

  const jar = new CookieJar();
  let url = start;
  for (let hop = 0; hop < maxRedirects; hop++) {
    const response = await fetch(url, { redirect: 'manual', headers: jar.headerFor(url) });
    jar.store(url, response.headers.getSetCookie());
    const location = response.headers.get('location');
    if (response.status < 300 || response.status > 399 || !location) {
      const excerpt = (await response.text()).slice(0, BODY_EXCERPT_CHARS);
      throw new Error(
        `authorization stopped at ${describe(url)} with HTTP ${response.status} instead of a redirect: ${excerpt}`,
      );
    }
    await response.body?.cancel();

    const next = new URL(location, url);
    if (isClientRedirect(next)) return next;
    url = next;
  }
  throw new Error(
    `authorization did not reach the client's redirect URI after ${maxRedirects} redirects (a loop?), last at ${describe(url)}`,
  );
}

function sameEndpoint(a: URL, b: URL): boolean {
  return a.origin === b.origin && a.pathname === b.pathname;
}

/** Without the query: it may carry codes or state. */
function describe(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

interface StoredCookie {
  name: string;
  value: string;
  host: string;
  path: string;
  expiresAt?: number;
}

/** Host-only, path-aware cookies: enough for oidc-provider's interaction and session cookies. */
class CookieJar {
  private readonly cookies = new Map<string, StoredCookie>();

  store(url: URL, setCookieHeaders: string[]): void {
    for (const header of setCookieHeaders) {
      const cookie = parseSetCookie(url, header);
      if (!cookie) continue;
      const key = `${cookie.host} ${cookie.path} ${cookie.name}`;
      if (cookie.expiresAt !== undefined && cookie.expiresAt <= Date.now()) this.cookies.delete(key);
      else this.cookies.set(key, cookie);
    }
  }

  headerFor(url: URL): Record<string, string> {
    const now = Date.now();
    const matching = [...this.cookies.values()]
      .filter((c) => c.host === url.host && pathMatches(url.pathname, c.path))
      .filter((c) => c.expiresAt === undefined || c.expiresAt > now)
      // RFC 6265 §5.4: longer paths first.
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length ? { cookie: matching.map((c) => `${c.name}=${c.value}`).join('; ') } : {};
  }
}

function parseSetCookie(url: URL, header: string): StoredCookie | undefined {
  const [pair, ...attributes] = header.split(';');
  const separator = pair.indexOf('=');
  if (separator < 1) return undefined;
  const cookie: StoredCookie = {
    name: pair.slice(0, separator).trim(),
    value: pair.slice(separator + 1).trim(),
    host: url.host,
    path: defaultPath(url.pathname),
  };
  for (const attribute of attributes) {
    const [rawName, ...rest] = attribute.split('=');
    const name = rawName.trim().toLowerCase();
    const value = rest.join('=').trim();
    if (name === 'path' && value.startsWith('/')) cookie.path = value;
    else if (name === 'max-age' && /^-?\d+$/.test(value))
      cookie.expiresAt = Date.now() + Number(value) * 1000;
    else if (name === 'expires' && cookie.expiresAt === undefined) {
      const expires = Date.parse(value);
      if (!Number.isNaN(expires)) cookie.expiresAt = expires;
    }
  }
  return cookie;
}

/** RFC 6265 §5.1.4 */
function defaultPath(requestPath: string): string {
  const lastSlash = requestPath.lastIndexOf('/');
  return lastSlash > 0 ? requestPath.slice(0, lastSlash) : '/';
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  return (
    requestPath === cookiePath ||
    (requestPath.startsWith(cookiePath) &&
      (cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'))
  );
}
