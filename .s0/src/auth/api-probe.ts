import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { authConfig } from '../config/auth.config';
import type { AuthenticatedUser } from '../common/authenticated-user';
import { IssuerHttpClient, IssuerHttpError, redactUrl } from './issuer-http.client';
import { SingleFlight, TokenResultCache } from './token-result.cache';

/** What the `api_probe` field of oauth_auth_summary shows. */
export type ApiProbeOutcome = 'pass' | 'fail:401' | 'fail:403' | 'skip:cached' | 'skip:error' | 'off';

type Verdict = 'pass' | 'fail:401' | 'fail:403';

/**
 * API_PROBE_URL: one cheap call to the provider's own API with the user's token (Gitea: GET
 * /api/v1/user). It catches the token that signs in (openid profile email) but lacks the API scopes,
 * before a tool dies on it. A pass is remembered for the token's life, a refusal briefly; a probe that
 * fails for any other reason lets the request through (the provider must not become a single point of
 * failure) and is tried again on the next request. Concurrent first uses of a token share one probe.
 */
@Injectable()
export class ApiProbe {
  private readonly logger = new Logger(ApiProbe.name);
  private readonly verdicts: TokenResultCache<Verdict>;
  private readonly flights = new SingleFlight<Verdict | 'error'>();

  constructor(
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
    private readonly http: IssuerHttpClient,
  ) {
    this.verdicts = new TokenResultCache(config.tokenCacheMax);
  }

  get enabled(): boolean {
    return this.config.apiProbe !== undefined;
  }

  /** The scopes a passing probe proves (API_PROBE_GRANTS). */
  get grants(): readonly string[] {
    return this.config.apiProbe?.grants ?? [];
  }

  async check(token: string, fingerprint: string, user: AuthenticatedUser): Promise<ApiProbeOutcome> {
    if (!this.config.apiProbe) return 'off';
    const known = this.verdicts.get(fingerprint);
    if (known === 'pass') return 'skip:cached';
    if (known) return known;
    const verdict = await this.flights.run(fingerprint, () => this.probe(token));
    if (verdict === 'error') return 'skip:error';
    const now = Date.now();
    const until = verdict === 'pass' ? user.exp * 1000 : now + this.config.opaque.negativeCacheTtlMs;
    this.verdicts.set(fingerprint, verdict, until, now);
    return verdict;
  }

  private async probe(token: string): Promise<Verdict | 'error'> {
    const { url, method } = this.config.apiProbe!;
    try {
      const { status } = await this.http.send(url, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      });
      if (status >= 200 && status < 300) return 'pass';
      if (status === 401) return 'fail:401';
      if (status === 403) return 'fail:403';
      this.logger.warn(
        `API probe ${method} ${redactUrl(url)} answered HTTP ${status}; letting the request through`,
      );
    } catch (error) {
      if (!(error instanceof IssuerHttpError)) throw error;
      this.logger.warn(
        `API probe ${method} ${error.url} failed (${error.detail}); letting the request through`,
      );
    }
    return 'error';
  }
}
