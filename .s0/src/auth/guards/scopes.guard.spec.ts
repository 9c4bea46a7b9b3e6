import { Reflector } from '@nestjs/core';

import { thrownBy } from '../../testing/errors';
import { fakeRequest, httpContext } from '../../testing/http.fixtures';
import { testUser } from '../../testing/token.fixtures';
import { AuthErrorCode, AuthException } from '../auth.exception';
import { AllowAnonymous, Public } from '../decorators/public.decorator';
import { RequireScopes } from '../decorators/require-scopes.decorator';
import { ScopesGuard } from './scopes.guard';

@RequireScopes('tools:read')
class ToolsController {
  list(): void {}

  @RequireScopes('tools:write', 'audit:write')
  call(): void {}

  @Public()
  catalog(): void {}
}

@Public()
class WellKnownController {
  metadata(): void {}
}

class ProfileController {
  me(): void {}
}

class McpController {
  @AllowAnonymous()
  post(): void {}

  @AllowAnonymous()
  @RequireScopes('admin')
  admin(): void {}
}

// A real Reflector: merging class and handler metadata is the behaviour under test, so it is not stubbed.
const guard = new ScopesGuard(new Reflector());

function callAs(scopes: string[] | undefined, controller: new () => object, handler: string): boolean {
  const request = fakeRequest();
  if (scopes) request.user = testUser({ scopes });
  const method = (controller.prototype as Record<string, () => void>)[handler];
  return guard.canActivate(httpContext(request, controller, method));
}

function refusal(scopes: string[] | undefined, controller: new () => object, handler: string): AuthException {
  return thrownBy(() => callAs(scopes, controller, handler), AuthException);
}

describe('ScopesGuard', () => {
  it('lets a caller through who holds the controller scope', () => {
    expect(callAs(['tools:read'], ToolsController, 'list')).toBe(true);
  });

  it('requires the controller scope and the handler scopes together', () => {
    expect(callAs(['tools:read', 'tools:write', 'audit:write'], ToolsController, 'call')).toBe(true);
    expect(refusal(['tools:write', 'audit:write'], ToolsController, 'call').details.fields).toEqual({
      required: ['tools:write', 'audit:write', 'tools:read'],
      missing: ['tools:read'],
    });
  });

  it('answers 403 INSUFFICIENT_SCOPE with the scopes the route needs and those the caller holds', () => {
    const error = refusal(['tools:read', 'profile'], ToolsController, 'call');

    expect(error.code).toBe(AuthErrorCode.INSUFFICIENT_SCOPE);
    expect(error.status).toBe(403);
    expect(error.details.fields).toEqual({
      required: ['tools:write', 'audit:write', 'tools:read'],
      missing: ['tools:write', 'audit:write'],
    });
    expect(error.details.challengeScopes).toEqual(['tools:write', 'audit:write', 'tools:read']);
    expect(error.details.heldScopes).toEqual(['tools:read', 'profile']);
  });

  it('lets a caller without a token reach an @AllowAnonymous() route that requires no scope, the handler deciding', () => {
    expect(callAs(undefined, McpController, 'post')).toBe(true);
    expect(refusal(undefined, McpController, 'admin').code).toBe(AuthErrorCode.MISSING_TOKEN);
    expect(refusal(undefined, ProfileController, 'me').code).toBe(AuthErrorCode.MISSING_TOKEN);
  });

  it('lets an authenticated caller reach a route that requires no scope', () => {
    expect(callAs([], ProfileController, 'me')).toBe(true);
  });

  it.each([
    ['a @Public() handler on a scoped controller', ToolsController, 'catalog'],
    ['a @Public() controller', WellKnownController, 'metadata'],
  ])('lets an anonymous caller reach %s', (_label, controller, handler) => {
    expect(callAs(undefined, controller, handler)).toBe(true);
  });

  it('denies a route reached without a verified user, even one without scopes', () => {
    expect(refusal(undefined, ProfileController, 'me').code).toBe(AuthErrorCode.MISSING_TOKEN);
    expect(refusal(undefined, ToolsController, 'list').code).toBe(AuthErrorCode.MISSING_TOKEN);
  });
});
