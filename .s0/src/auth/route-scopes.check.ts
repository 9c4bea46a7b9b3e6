import { Injectable, OnModuleInit, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';

import { NO_ROUTE_SCOPES } from './decorators/no-route-scopes.decorator';
import { IS_PUBLIC } from './decorators/public.decorator';
import { REQUIRED_SCOPES } from './decorators/require-scopes.decorator';
import { ScopeRegistry } from './scope.registry';

export interface RouteAccess {
  route: string;
  access: 'public' | 'scopes' | 'opt-out' | 'undeclared';
  scopes: string[];
}

/**
 * Deny by default for routes as for tools: every handler of every controller is @Public, needs scopes
 * (@RequireScopes on it or its class) or says why it needs none (@NoRouteScopes). Runs when modules
 * initialise, so that the routes' scopes are in the ScopeRegistry before metadata, DCR grants and the
 * development issuer read it.
 */
@Injectable()
export class RouteScopesCheck implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly scopes: ScopeRegistry,
  ) {}

  onModuleInit(): void {
    const routes = this.routes();
    const undeclared = routes.filter((route) => route.access === 'undeclared').map((route) => route.route);
    if (undeclared.length > 0) {
      throw new Error(
        `Routes without an access rule (add @RequireScopes(...), @Public() or @NoRouteScopes('why')): ${undeclared.join(', ')}`,
      );
    }
    this.scopes.register(routes.flatMap((route) => route.scopes));
  }

  routes(): RouteAccess[] {
    return this.discovery.getControllers().flatMap((wrapper) => {
      const controller = wrapper.metatype as (new (...args: unknown[]) => unknown) | undefined;
      if (!controller) return [];
      const prefix = [this.reflector.get<string | string[]>(PATH_METADATA, controller) ?? ''].flat()[0];
      return this.scanner.getAllMethodNames(controller.prototype).flatMap((name): RouteAccess[] => {
        const handler = (controller.prototype as Record<string, unknown>)[name] as () => unknown;
        const paths = this.reflector.get<string | string[] | undefined>(PATH_METADATA, handler);
        if (paths === undefined) return [];
        const method = RequestMethod[this.reflector.get<RequestMethod>(METHOD_METADATA, handler)];
        const route = `${method} ${[paths]
          .flat()
          .map((path) => joinPath(prefix, path))
          .join(' | ')}`;
        const targets = [handler, controller];
        if (this.reflector.getAllAndOverride(IS_PUBLIC, targets))
          return [{ route, access: 'public', scopes: [] }];
        const scopes = this.reflector.getAllAndMerge(REQUIRED_SCOPES, targets) ?? [];
        if (scopes.length > 0) return [{ route, access: 'scopes', scopes }];
        if (this.reflector.getAllAndOverride(NO_ROUTE_SCOPES, targets))
          return [{ route, access: 'opt-out', scopes }];
        return [{ route, access: 'undeclared', scopes }];
      });
    });
  }
}

function joinPath(prefix: string, path: string): string {
  return `/${[prefix, path]
    .map((part) => part.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/')}`;
}
