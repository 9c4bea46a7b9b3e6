import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { ScopeRegistry } from '../auth/scope.registry';
import { authConfig } from '../config/auth.config';
import { dcrConfig } from '../config/dcr.config';
import type { AllowList } from './client-policy';

/**
 * What DCR clients are prepared for: the API they are granted, with which scopes, and which clients
 * qualify at all. The runtime (preparation, reconciler) and the operator tools (doctor, Action) read
 * the same answers from here.
 */
@Injectable()
export class DcrTarget {
  constructor(
    @Inject(authConfig.KEY) private readonly auth: ConfigType<typeof authConfig>,
    @Inject(dcrConfig.KEY) private readonly config: ConfigType<typeof dcrConfig>,
    private readonly scopeRegistry: ScopeRegistry,
  ) {}

  /** OAUTH_AUDIENCE; empty when unset (then nothing can be granted). */
  get audience(): string {
    return this.auth.audience;
  }

  /**
   * TOOL_SCOPES ∪ REQUIRED_SCOPES, else every scope the gateway knows (the tool catalog's included). Read
   * on each use: the catalog registers its scopes when its module starts.
   */
  get scopes(): string[] {
    return this.config.scopes.length > 0 ? this.config.scopes : this.scopeRegistry.all();
  }

  get allowList(): AllowList {
    return {
      clientNamePattern: this.config.clientNamePattern,
      redirectHosts: this.config.redirectHosts,
      redirectPaths: this.config.redirectPaths,
      createdAfter: this.config.clientsCreatedAfter,
    };
  }
}
