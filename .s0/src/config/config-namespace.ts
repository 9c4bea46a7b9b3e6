/**
 * The injection token of one configuration section. Callable only so that `ConfigType<typeof x>` (from
 * @nestjs/config) names the section's type; the value itself comes from GatewayConfigModule.forRoot(config).
 */
export interface ConfigNamespace<T> {
  (): T;
  readonly KEY: string;
}

export function configNamespace<T>(name: string): ConfigNamespace<T> {
  const unbound = (): T => {
    throw new Error(
      `The ${name} configuration is provided by GatewayConfigModule.forRoot(config), not read here`,
    );
  };
  // Same key shape as @nestjs/config's registerAs, so existing @Inject(x.KEY) sites keep working.
  return Object.assign(unbound, { KEY: `CONFIGURATION(${name})` });
}
