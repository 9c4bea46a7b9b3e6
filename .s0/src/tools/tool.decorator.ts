import { Reflector } from '@nestjs/core';

import type { JsonSchema, ToolMetadata } from './tool-definition';

export interface ToolOptions extends ToolMetadata {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  inputSchema: JsonSchema;
  /**
   * Callable without a token (mixed authentication: Apps SDK `securitySchemes: [{ type: "noauth" }]`).
   * A public tool takes no @RequireScopes; its context's user is then `ANONYMOUS` unless a token was sent.
   */
  public?: boolean;
}

/** Metadata key: a provider method that implements a tool in-process. */
export const TOOL = Reflector.createDecorator<ToolOptions>();

/**
 * Declares an in-process tool on a provider method `(args, context) => result`. The method (or its
 * class) also needs @RequireScopes, unless the tool is declared `public`: a tool without scopes stops
 * the gateway at start-up.
 */
export const Tool = (options: ToolOptions): MethodDecorator => TOOL(options);
