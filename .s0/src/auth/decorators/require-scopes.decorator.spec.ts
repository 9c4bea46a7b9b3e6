import { Reflector } from '@nestjs/core';

import { REQUIRED_SCOPES, RequireScopes } from './require-scopes.decorator';

describe('@RequireScopes', () => {
  it('records the scopes on the method and the class it decorates', () => {
    @RequireScopes('crm:read')
    class CrmController {
      @RequireScopes('crm:write', 'audit:write')
      update(): void {}
    }
    const reflector = new Reflector();

    expect(reflector.get(REQUIRED_SCOPES, CrmController)).toEqual(['crm:read']);
    expect(reflector.get(REQUIRED_SCOPES, CrmController.prototype.update)).toEqual([
      'crm:write',
      'audit:write',
    ]);
  });

  it('refuses an empty list at decoration time, since it would silently open the route', () => {
    expect(() => RequireScopes()).toThrow('@RequireScopes needs at least one valid scope token (got [])');
  });

  it.each([
    ['an empty string', ''],
    ['a space-separated pair', 'crm:read crm:write'],
    ['a double quote', 'crm"read'],
    ['a backslash', 'crm\\read'],
    ['a non-ASCII character', 'crm:lire-été'],
  ])('refuses a scope with %s (RFC 6749 §3.3 scope-token)', (_label, scope) => {
    expect(() => RequireScopes('crm:read', scope)).toThrow(
      '@RequireScopes needs at least one valid scope token',
    );
  });
});
