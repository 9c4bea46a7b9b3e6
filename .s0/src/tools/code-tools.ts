import { MetadataScanner, Reflector } from '@nestjs/core';

import { REQUIRED_SCOPES } from '../auth/decorators/require-scopes.decorator';
import { pickMetadata } from './catalog-loader';
import { TOOL } from './tool.decorator';
import type { InProcessHandler, ToolDefinition } from './tool-definition';

const reflector = new Reflector();
const scanner = new MetadataScanner();

/** The in-process tools a provider instance declares (@Tool methods, scopes of the method ∪ its class). */
export function codeToolsOf(instance: object): ToolDefinition[] {
  const prototype = Object.getPrototypeOf(instance) as object;
  return toolMethodsOf(prototype).map(({ method, handler, options }) => {
    const scopes =
      reflector.getAllAndMerge(REQUIRED_SCOPES, [handler, instance.constructor as () => void]) ?? [];
    return {
      name: options.name,
      description: options.description,
      inputSchema: options.inputSchema,
      ...pickMetadata(options),
      ...(options.public === true ? { public: true } : {}),
      scopes: [...new Set(scopes)],
      handler: (instance as Record<string, (...args: unknown[]) => unknown>)[method].bind(
        instance,
      ) as InProcessHandler,
      source: 'code',
    };
  });
}

/** Whether a class declares at least one @Tool method. */
export function declaresTools(type: { prototype: object }): boolean {
  return toolMethodsOf(type.prototype).length > 0;
}

function toolMethodsOf(prototype: object) {
  return scanner.getAllMethodNames(prototype).flatMap((method) => {
    const handler = (prototype as Record<string, unknown>)[method] as (...args: unknown[]) => unknown;
    const options = reflector.get(TOOL, handler);
    return options ? [{ method, handler, options }] : [];
  });
}
