import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import type { GatewayRequest } from '../common/request-context';
import { appConfig, logLevelEnabled } from '../config/app.config';
import type { ApiProbeOutcome } from './api-probe';
import type { OpaqueValidationResult } from './opaque-token.validator';
import { AuthenticatedUser, loginFromClaims } from '../common/authenticated-user';

/** How one request was authenticated; the guard fills it in as it goes. */
export interface AuthTrace {
  tokenType: 'jwt' | 'opaque';
  validation: 'jwt' | OpaqueValidationResult['validation'];
  apiProbe: ApiProbeOutcome;
}

/**
 * The lines an operator reads to see at a glance why a user's tools fail: one `oauth_auth_summary` per
 * authenticated request (REST, MCP, /debug-token), `oauth_token_lacks_api_scope` when the API probe
 * refuses a token, `token_has_no_tool_scopes` when a valid token can call no tool at all. They name the
 * user and the scopes, never the token or any part of it.
 */
@Injectable()
export class AuthSummaryLog {
  private readonly logger = new Logger('Auth');
  private readonly summaries: boolean;
  private readonly warnings: boolean;

  constructor(@Inject(appConfig.KEY) app: ConfigType<typeof appConfig>) {
    this.summaries = logLevelEnabled(app.logLevel, 'log');
    this.warnings = logLevelEnabled(app.logLevel, 'warn');
  }

  /**
   * Hands the access log the summary to write when the answer is sent (one `finish` listener serves both
   * lines); nothing is built when the log level hides it.
   */
  track(request: GatewayRequest, trace: AuthTrace): void {
    if (!this.summaries) return;
    const started = performance.now();
    request.authSummary = (status) => {
      const user = request.user;
      if (!user) return undefined;
      return {
        msg: 'oauth_auth_summary',
        token_type: trace.tokenType,
        validation: trace.validation,
        scopes_observed: user.scopesObserved ?? user.scopes,
        scopes_effective: user.scopes,
        api_probe: trace.apiProbe,
        login: loginOf(user),
        client_id: user.clientId ?? null,
        tool: request.toolName ?? null,
        status,
        duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
        request_id: request.id,
      };
    };
  }

  lacksApiScope(request: GatewayRequest, user: AuthenticatedUser, status: number): void {
    if (!this.warnings) return;
    this.logger.warn({
      msg: 'oauth_token_lacks_api_scope',
      status,
      login: loginOf(user),
      client_id: user.clientId ?? null,
      request_id: request.id,
    });
  }

  noToolScopes(request: GatewayRequest, user: AuthenticatedUser): void {
    if (!this.warnings) return;
    this.logger.warn({
      msg: 'token_has_no_tool_scopes',
      login: loginOf(user),
      client_id: user.clientId ?? null,
      scopes_effective: user.scopes,
      request_id: request.id,
    });
  }
}

function loginOf(user: AuthenticatedUser): string {
  return user.login ?? loginFromClaims(user.claims, user.sub);
}
