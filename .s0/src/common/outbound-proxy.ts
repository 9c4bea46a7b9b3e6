import { Agent, EnvHttpProxyAgent, setGlobalDispatcher } from 'undici';

import type { OutboundProxy } from '../config/app.config';

/**
 * An undici dispatcher that sends each call through HTTP(S)_PROXY unless NO_PROXY names its host, with
 * `options` for its connection pools. Values come from the configuration, never from process.env here.
 */
export function proxyAwareAgent(proxy: OutboundProxy, options: Agent.Options = {}): EnvHttpProxyAgent {
  return new EnvHttpProxyAgent({ ...options, ...proxy });
}

/**
 * Makes every call that does not name its own dispatcher honour the proxy settings: global fetch (issuer
 * discovery, the Management API through the auth0 SDK's fetch) and undici's request. Process-wide, so
 * main.ts and the CLIs call it once, at start-up.
 */
export function routeOutboundCallsThroughProxy(proxy: OutboundProxy): void {
  setGlobalDispatcher(proxyAwareAgent(proxy));
}
