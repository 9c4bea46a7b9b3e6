import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { AuthenticatedUser } from '../common/authenticated-user';
import { authConfig } from '../config/auth.config';

/**
 * Tokens that already passed verification, keyed by the whole token, so a client's repeated calls skip
 * the RSA work. An entry never outlives the token's `exp`; the least recently used entry goes first.
 */
@Injectable()
export class VerifiedTokenCache {
  private readonly entries = new Map<string, AuthenticatedUser>();

  constructor(@Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>) {}

  get(token: string, nowMs = Date.now()): AuthenticatedUser | undefined {
    const user = this.entries.get(token);
    if (!user) return undefined;
    this.entries.delete(token);
    if (user.exp * 1000 <= nowMs) return undefined;
    this.entries.set(token, user);
    return user;
  }

  set(token: string, user: AuthenticatedUser): void {
    if (this.config.tokenCacheMax === 0) return;
    this.entries.delete(token);
    this.entries.set(token, user);
    while (this.entries.size > this.config.tokenCacheMax) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
