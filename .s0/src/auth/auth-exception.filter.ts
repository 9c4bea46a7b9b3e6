import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus, Inject } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import type { Response } from 'express';

import { sendError } from '../common/error-body';
import type { GatewayRequest } from '../common/request-context';
import { authConfig } from '../config/auth.config';
import { GatewayMetrics } from '../observability/gateway-metrics';
import { AuthErrorCode, AuthException } from './auth.exception';
import { ProtectedResourceService } from './protected-resource.service';
import { challengedScopes } from './scope-policy';
import { ScopeRegistry } from './scope.registry';
import { bearerChallenge } from './www-authenticate';

/** Maps AuthException to RFC 6750 answers: status, WWW-Authenticate and a JSON body with the fix. */
@Catch(AuthException)
export class AuthExceptionFilter implements ExceptionFilter {
  constructor(
    private readonly resource: ProtectedResourceService,
    private readonly scopes: ScopeRegistry,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
    private readonly metrics: GatewayMetrics,
  ) {}

  catch(exception: AuthException, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<GatewayRequest>();
    const response = host.switchToHttp().getResponse<Response>();
    request.authOutcome = exception.code;
    this.metrics.authFailures.cell(exception.code).inc();
    const error = exception.oauthError;
    if (exception.challenges) {
      const scopes =
        challengedScopes(exception.details, this.config.scopeChallenge) ??
        (exception.code === AuthErrorCode.MISSING_TOKEN ? this.scopes.all() : undefined);
      response.setHeader(
        'WWW-Authenticate',
        bearerChallenge({
          error,
          errorDescription: error ? exception.message : undefined,
          scopes,
          resourceMetadata: this.resource.resourceMetadataUrl(request),
        }),
      );
    } else if (exception.status === HttpStatus.SERVICE_UNAVAILABLE) {
      response.setHeader('Retry-After', '5');
    }
    sendError(host, exception.status, {
      error: exception.error,
      code: exception.code,
      message: exception.message,
      hint: exception.hint,
      ...exception.details.fields,
    });
  }
}
