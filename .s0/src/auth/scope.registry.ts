import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { authConfig, ScopeImplications } from '../config/auth.config';
import { expandScopes, missingScopes } from './scope-policy';

/**
 * Every scope the gateway knows: OAUTH_SCOPES plus what feature modules (the tool catalog) register,
 * the scopes each tool requires, and the implications between scopes the operator declares.
 */
@Injectable()
export class ScopeRegistry {
  private readonly scopes = new Set<string>();
  private readonly toolRequirements: string[][] = [];
  private readonly implications: ScopeImplications = {};

  constructor(@Inject(authConfig.KEY) config: ConfigType<typeof authConfig>) {
    config.extraScopes.forEach((scope) => this.scopes.add(scope));
    this.registerImplications(config.scopeImplications ?? {});
  }

  register(scopes: Iterable<string>): void {
    for (const scope of scopes) this.scopes.add(scope);
  }

  /** One tool's required scopes: for `toolScopes()` and `canCallAnyTool()`. */
  registerTool(required: readonly string[]): void {
    this.toolRequirements.push([...required]);
    this.register(required);
  }

  /** Adds implications (OAUTH_SCOPE_IMPLICATIONS, a catalog's `scopeImplications`); lists are merged. */
  registerImplications(implications: ScopeImplications): void {
    for (const [scope, implied] of Object.entries(implications)) {
      this.implications[scope] = [...new Set([...(this.implications[scope] ?? []), ...implied])];
    }
  }

  all(): string[] {
    return [...this.scopes].sort();
  }

  /** The union of the scopes the tools require. */
  toolScopes(): string[] {
    return [...new Set(this.toolRequirements.flat())].sort();
  }

  /** `observed` plus the scopes it implies; `observed` itself when it implies nothing new. */
  effectiveScopes(observed: readonly string[]): readonly string[] {
    return expandScopes(observed, this.implications);
  }

  /** False when no tool at all may be called with `scopes`; true also when there are no tools. */
  canCallAnyTool(scopes: readonly string[]): boolean {
    if (this.toolRequirements.length === 0) return true;
    return this.toolRequirements.some((required) => missingScopes(scopes, required).length === 0);
  }
}
