import { Logger } from '@nestjs/common';
import type { Request } from 'express';

import type { RawEnv } from '../config/env.util';
import { testAppConfig, testAuthConfig, TEST_ISSUER } from '../testing/config.fixtures';
import { fakeRequest } from '../testing/http.fixtures';
import { isPrefixOf, ProtectedResourceService } from './protected-resource.service';
import { ScopeRegistry } from './scope.registry';

function serviceFor(appEnv: RawEnv, authEnv: RawEnv = {}): ProtectedResourceService {
  const auth = testAuthConfig(authEnv);
  return new ProtectedResourceService(testAppConfig(appEnv), auth, new ScopeRegistry(auth));
}

/** A request as a client reaching the gateway through a proxy would send it. */
const viaProxy = (): Request => fakeRequest({ headers: { host: 'forwarded.example' }, protocol: 'https' });

describe('isPrefixOf', () => {
  it.each([
    ['the MCP URL itself', 'https://gw.example.com/mcp', 'https://gw.example.com/mcp'],
    ['the origin', 'https://gw.example.com', 'https://gw.example.com/mcp'],
    ['the origin with a slash', 'https://gw.example.com/', 'https://gw.example.com/mcp'],
    ['a parent path', 'https://gw.example.com/tenant-a', 'https://gw.example.com/tenant-a/mcp'],
  ])('accepts %s', (_label, resource, url) => {
    expect(isPrefixOf(resource, url)).toBe(true);
  });

  it.each([
    ['a path that only shares characters', 'https://gw.example.com/mc', 'https://gw.example.com/mcp'],
    ['a sibling path', 'https://gw.example.com/other', 'https://gw.example.com/mcp'],
    ['another host', 'https://api.example.com', 'https://gw.example.com/mcp'],
    ['another scheme', 'http://gw.example.com', 'https://gw.example.com/mcp'],
    ['another port', 'https://gw.example.com:8443', 'https://gw.example.com/mcp'],
    ['an Auth0 API identifier that is not a URL', 'my-api', 'https://gw.example.com/mcp'],
    ['an identifier with a custom scheme', 'api://my-api', 'https://gw.example.com/mcp'],
  ])('refuses %s', (_label, resource, url) => {
    expect(isPrefixOf(resource, url)).toBe(false);
  });
});

describe('ProtectedResourceService', () => {
  describe('publicBase', () => {
    it('uses PUBLIC_URL and ignores the Host header, even behind a trusted proxy', () => {
      expect(serviceFor({ TRUST_PROXY: 'true' }).publicBase(viaProxy())).toBe('https://gw.example.com');
    });

    it('uses the loopback default, not the Host header, when no proxy is trusted', () => {
      const service = serviceFor({ PUBLIC_URL: undefined, PORT: '9090' });

      expect(service.publicBase(viaProxy())).toBe('http://127.0.0.1:9090');
    });

    it('follows the forwarded Host only with TRUST_PROXY and no PUBLIC_URL', () => {
      const service = serviceFor({ PUBLIC_URL: undefined, TRUST_PROXY: '1' });

      expect(service.publicBase(viaProxy())).toBe('https://forwarded.example');
      expect(service.publicBase()).toBe('http://127.0.0.1:8080');
    });
  });

  it('points resource_metadata at the well-known path under PUBLIC_URL', () => {
    expect(serviceFor({ PUBLIC_URL: 'https://gw.example.com/' }).resourceMetadataUrl()).toBe(
      'https://gw.example.com/.well-known/oauth-protected-resource',
    );
  });

  describe('metadata (RFC 9728)', () => {
    it('describes the resource, its issuer, the known scopes and header-only bearer tokens', () => {
      const service = serviceFor(
        {},
        { OAUTH_RESOURCE: 'https://gw.example.com/mcp', OAUTH_SCOPES: 'crm:write,crm:read' },
      );

      expect(service.metadata()).toEqual({
        resource: 'https://gw.example.com/mcp',
        authorization_servers: [TEST_ISSUER],
        scopes_supported: ['crm:read', 'crm:write'],
        bearer_methods_supported: ['header'],
        resource_name: 'connector-gateway',
      });
    });

    it('announces OAUTH_AUDIENCE as the resource when OAUTH_RESOURCE is not set', () => {
      expect(serviceFor({}, { OAUTH_AUDIENCE: 'https://gw.example.com' }).metadata().resource).toBe(
        'https://gw.example.com',
      );
    });

    it('falls back to the MCP URL when neither resource nor audience is configured', () => {
      expect(serviceFor({}, { OAUTH_AUDIENCE: undefined }).metadata().resource).toBe(
        'https://gw.example.com/mcp',
      );
    });
  });

  describe('at start-up', () => {
    let warn: jest.SpyInstance;

    beforeEach(() => {
      warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    });

    afterEach(() => jest.restoreAllMocks());

    it('warns that MCP clients will refuse a resource that is not a prefix of the MCP URL', () => {
      serviceFor({}, { OAUTH_AUDIENCE: 'https://api.example.com' }).onApplicationBootstrap();

      expect(warn).toHaveBeenCalledWith(
        expect.stringContaining('is not a prefix of the MCP URL https://gw.example.com/mcp'),
      );
    });

    it('stays quiet when the resource is the gateway origin', () => {
      serviceFor({}, { OAUTH_AUDIENCE: 'https://gw.example.com' }).onApplicationBootstrap();

      expect(warn).not.toHaveBeenCalled();
    });
  });
});
