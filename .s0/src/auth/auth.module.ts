import { Module, OnApplicationBootstrap } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TerminusModule } from '@nestjs/terminus';

import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { ApiProbe } from './api-probe';
import { AuthExceptionFilter } from './auth-exception.filter';
import { AuthSummaryLog } from './auth-summary.log';
import { BearerAuthGuard } from './guards/bearer-auth.guard';
import { JwtAuthGuard } from './guards/jwt-auth.guard';
import { ScopesGuard } from './guards/scopes.guard';
import { IssuerHttpClient } from './issuer-http.client';
import { IssuerClient } from './issuer.client';
import { OpaqueTokenValidator } from './opaque-token.validator';
import { ProtectedResourceController } from './protected-resource.controller';
import { ProtectedResourceService } from './protected-resource.service';
import { RouteScopesCheck } from './route-scopes.check';
import { ScopeRegistryModule } from './scope-registry.module';
import { SigningKeysHealthIndicator } from './signing-keys.health';
import { SigningKeyStore } from './signing-key.store';
import { JwtStrategy } from './strategies/jwt.strategy';
import { VerifiedTokenCache } from './verified-token.cache';

@Module({
  imports: [RateLimitModule, PassportModule, TerminusModule, DiscoveryModule, ScopeRegistryModule],
  controllers: [ProtectedResourceController],
  providers: [
    IssuerHttpClient,
    IssuerClient,
    SigningKeyStore,
    VerifiedTokenCache,
    JwtStrategy,
    ProtectedResourceService,
    RouteScopesCheck,
    SigningKeysHealthIndicator,
    JwtAuthGuard,
    OpaqueTokenValidator,
    ApiProbe,
    AuthSummaryLog,
    // Order matters: authentication first, then scopes.
    { provide: APP_GUARD, useClass: BearerAuthGuard },
    { provide: APP_GUARD, useClass: ScopesGuard },
    { provide: APP_FILTER, useClass: AuthExceptionFilter },
  ],
  exports: [
    ScopeRegistryModule,
    ProtectedResourceService,
    SigningKeysHealthIndicator,
    SigningKeyStore,
    IssuerClient,
    IssuerHttpClient,
  ],
})
export class AuthModule implements OnApplicationBootstrap {
  constructor(
    private readonly keys: SigningKeyStore,
    private readonly verifiedTokens: VerifiedTokenCache,
  ) {}

  /** Warm the key cache so the first request does not pay for the JWKS fetch; failure is reported by readiness. */
  onApplicationBootstrap(): void {
    // A token verified with a key the issuer has since withdrawn must be verified again (and fail).
    this.keys.onKeysRemoved(() => this.verifiedTokens.clear());
    void this.keys.refresh();
  }
}
