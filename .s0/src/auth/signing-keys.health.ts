import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

import { SigningKeyStore } from './signing-key.store';

/** Ready when the issuer's signing keys are cached or can be fetched now. */
@Injectable()
export class SigningKeysHealthIndicator {
  constructor(
    private readonly keys: SigningKeyStore,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key = 'signingKeys'): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    await this.keys.ensureLoaded();
    return this.keys.keyCount > 0
      ? indicator.up({ keys: this.keys.keyCount })
      : indicator.down({ message: 'issuer JWKS unreachable and no key cached' });
  }
}
