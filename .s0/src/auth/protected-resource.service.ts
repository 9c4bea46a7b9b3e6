import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import type { Request } from 'express';

import { MCP_PATH, PRM_PATH } from '../common/routes';
import { appConfig } from '../config/app.config';
import { authConfig } from '../config/auth.config';
import { ScopeRegistry } from './scope.registry';

export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported: string[];
  bearer_methods_supported: string[];
  resource_name: string;
}

/** RFC 9728 metadata and the URLs that point to it. */
@Injectable()
export class ProtectedResourceService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ProtectedResourceService.name);

  constructor(
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
    @Inject(authConfig.KEY) private readonly auth: ConfigType<typeof authConfig>,
    private readonly scopes: ScopeRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const mcpUrl = `${this.app.publicUrl}${MCP_PATH}`;
    if (!isPrefixOf(this.auth.resource, mcpUrl)) {
      this.logger.warn(
        `OAUTH_RESOURCE ${JSON.stringify(this.auth.resource)} is not a prefix of the MCP URL ${mcpUrl}: MCP clients will refuse the protected-resource metadata. Use ${mcpUrl} or ${this.app.publicUrl}.`,
      );
    }
  }

  /**
   * The gateway's external base URL. The request's Host only counts when TRUST_PROXY is set and
   * PUBLIC_URL is not: otherwise any caller could make us advertise a URL of their choosing.
   */
  publicBase(request?: Request): string {
    if (!this.app.publicUrlConfigured && this.app.trustProxy !== false && request) {
      const host = request.get('host');
      if (host) return `${request.protocol}://${host}`;
    }
    return this.app.publicUrl;
  }

  resourceMetadataUrl(request?: Request): string {
    return `${this.publicBase(request)}${PRM_PATH}`;
  }

  metadata(request?: Request): ProtectedResourceMetadata {
    return {
      resource: this.auth.resource || `${this.publicBase(request)}${MCP_PATH}`,
      authorization_servers: [this.auth.issuer],
      scopes_supported: this.scopes.all(),
      bearer_methods_supported: ['header'],
      resource_name: 'connector-gateway',
    };
  }
}

/** MCP clients accept a PRM `resource` that equals the server URL or is a path prefix of it on the same origin. */
export function isPrefixOf(resource: string, url: string): boolean {
  try {
    const r = new URL(resource);
    const u = new URL(url);
    if (r.origin !== u.origin) return false;
    const base = r.pathname.endsWith('/') ? r.pathname : `${r.pathname}/`;
    return u.pathname === r.pathname || `${u.pathname}/`.startsWith(base);
  } catch {
    return false;
  }
}
