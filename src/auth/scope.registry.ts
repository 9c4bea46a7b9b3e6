import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { authConfig } from '../config/auth.config';

/** Every scope the gateway knows: OAUTH_SCOPES plus what feature modules (the tool catalog) register. */
@Injectable()
export class ScopeRegistry {
  private readonly scopes = new Set<string>();

  constructor(@Inject(authConfig.KEY) config: ConfigType<typeof authConfig>) {
    config.extraScopes.forEach((scope) => this.scopes.add(scope));
  }

  register(scopes: Iterable<string>): void {
    for (const scope of scopes) this.scopes.add(scope);
  }

  all(): string[] {
    return [...this.scopes].sort();
  }
}
