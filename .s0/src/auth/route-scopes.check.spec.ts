import { Controller, Get, Post } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';

import { testAuthConfig } from '../testing/config.fixtures';
import { NoRouteScopes } from './decorators/no-route-scopes.decorator';
import { Public } from './decorators/public.decorator';
import { RequireScopes } from './decorators/require-scopes.decorator';
import { RouteScopesCheck } from './route-scopes.check';
import { ScopeRegistry } from './scope.registry';

@Controller('reports')
@RequireScopes('reports:read')
class ReportsController {
  @Get()
  list(): void {}

  @Post('export')
  @RequireScopes('reports:export')
  export(): void {}
}

@Controller('status')
class StatusController {
  @Get()
  @Public()
  status(): void {}

  @Get('me')
  @NoRouteScopes('shows callers their own identity')
  me(): void {}
}

@Controller('admin')
class ForgottenController {
  @Post('purge')
  purge(): void {}

  helper(): void {}
}

function checkOf(...controllers: object[]): { check: RouteScopesCheck; scopes: ScopeRegistry } {
  const discovery = {
    getControllers: () => controllers.map((metatype) => ({ metatype }) as InstanceWrapper),
  } as unknown as DiscoveryService;
  const scopes = new ScopeRegistry(testAuthConfig());
  return { check: new RouteScopesCheck(discovery, new MetadataScanner(), new Reflector(), scopes), scopes };
}

describe('RouteScopesCheck (deny by default for routes)', () => {
  it('lists how each route is protected', () => {
    expect(checkOf(ReportsController, StatusController).check.routes()).toEqual([
      { route: 'GET /reports', access: 'scopes', scopes: ['reports:read'] },
      { route: 'POST /reports/export', access: 'scopes', scopes: ['reports:export', 'reports:read'] },
      { route: 'GET /status', access: 'public', scopes: [] },
      { route: 'GET /status/me', access: 'opt-out', scopes: [] },
    ]);
  });

  it("registers the routes' scopes, so metadata, DCR grants and the dev issuer know them", () => {
    const { check, scopes } = checkOf(ReportsController, StatusController);

    check.onModuleInit();

    expect(scopes.all()).toEqual(['reports:export', 'reports:read']);
  });

  it('stops the start when a handler has neither scopes, @Public nor @NoRouteScopes', () => {
    const { check } = checkOf(ReportsController, ForgottenController);

    expect(() => check.onModuleInit()).toThrow(
      "Routes without an access rule (add @RequireScopes(...), @Public() or @NoRouteScopes('why')): POST /admin/purge",
    );
  });

  it('refuses an opt-out without a reason', () => {
    expect(() => NoRouteScopes(' ')).toThrow('@NoRouteScopes needs the reason');
  });
});
