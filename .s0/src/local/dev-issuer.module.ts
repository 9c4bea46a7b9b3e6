import { DynamicModule, Inject, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';

import { AuthModule } from '../auth/auth.module';
import { ScopeRegistry } from '../auth/scope.registry';
import { explainPortInUse } from '../common/port-in-use';
import { ToolsModule } from '../tools/tools.module';
import { DevIssuerHandle, DevIssuerOptions, launchDevIssuer } from './dev-issuer.launcher';

const DEV_ISSUER_OPTIONS = Symbol('DEV_ISSUER_OPTIONS');

export interface CatalogIssuerOptions extends Omit<DevIssuerOptions, 'scopes'> {
  /** Chosen beforehand: OAUTH_ISSUER names it before the gateway starts. */
  port: number;
}

/**
 * The development issuer, granting exactly the scopes of the gateway's catalog, so that a tool added
 * with a new scope can be called at once. It imports ToolsModule so that the catalog has registered its
 * scopes when this module initialises, and the issuer is up before the gateway warms its key cache
 * (AuthModule's bootstrap hook runs after every module's init hook).
 */
@Module({})
export class DevIssuerModule implements OnModuleInit, OnApplicationShutdown {
  private handle?: DevIssuerHandle;

  constructor(
    @Inject(DEV_ISSUER_OPTIONS) private readonly options: CatalogIssuerOptions,
    private readonly scopes: ScopeRegistry,
  ) {}

  static forCatalog(options: CatalogIssuerOptions): DynamicModule {
    return {
      module: DevIssuerModule,
      imports: [AuthModule, ToolsModule],
      providers: [{ provide: DEV_ISSUER_OPTIONS, useValue: options }],
    };
  }

  get issuer(): DevIssuerHandle {
    if (!this.handle) throw new Error('The development issuer has not started');
    return this.handle;
  }

  async onModuleInit(): Promise<void> {
    this.handle = await explainPortInUse('DEV_ISSUER_PORT', this.options.port, () =>
      launchDevIssuer({ ...this.options, scopes: this.scopes.all() }),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.handle?.stop();
  }
}
