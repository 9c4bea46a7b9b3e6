import { Module } from '@nestjs/common';

import { ScopeRegistry } from './scope.registry';

/** The scope registry alone, for applications that know scopes but verify no token (the auth0:* CLIs). */
@Module({ providers: [ScopeRegistry], exports: [ScopeRegistry] })
export class ScopeRegistryModule {}
