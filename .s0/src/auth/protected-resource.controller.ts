import { Controller, Get, Header, Req } from '@nestjs/common';
import type { Request } from 'express';

import { MCP_PATH, PRM_PATH } from '../common/routes';
import { AuthErrorCode, AuthException } from './auth.exception';
import { Public } from './decorators/public.decorator';
import { IssuerClient, IssuerMetadata } from './issuer.client';
import { ProtectedResourceMetadata, ProtectedResourceService } from './protected-resource.service';

@Public()
@Controller()
export class ProtectedResourceController {
  constructor(
    private readonly resource: ProtectedResourceService,
    private readonly issuer: IssuerClient,
  ) {}

  /** RFC 9728 §3; the path-inserted form (§3.1) serves the MCP endpoint's metadata. */
  @Get([PRM_PATH, `${PRM_PATH}${MCP_PATH}`])
  @Header('Cache-Control', 'public, max-age=300')
  protectedResource(@Req() request: Request): ProtectedResourceMetadata {
    return this.resource.metadata(request);
  }

  /** The issuer's own metadata, for clients that look for it on the resource's origin. */
  @Get(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'])
  @Header('Cache-Control', 'public, max-age=300')
  async authorizationServer(): Promise<IssuerMetadata> {
    try {
      return await this.issuer.metadata();
    } catch {
      throw new AuthException(
        AuthErrorCode.ISSUER_METADATA_UNAVAILABLE,
        "The authorization server's metadata could not be fetched",
      );
    }
  }
}
