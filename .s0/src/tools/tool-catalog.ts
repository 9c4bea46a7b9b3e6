import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { DiscoveryService } from '@nestjs/core';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

import { ScopeRegistry } from '../auth/scope.registry';
import { nestsDeeperThan } from '../common/json-depth';
import { toolsConfig } from '../config/tools.config';
import { CatalogError, loadCatalog } from './catalog-loader';
import { codeToolsOf, declaresTools } from './code-tools';
import type { ToolDefinition } from './tool-definition';
import { ToolsErrorCode, ToolsException } from './tools.exception';

export interface ArgumentViolation {
  path: string;
  message: string;
}

/** The one list of tools that REST and MCP serve, with a compiled validator for each input schema. */
@Injectable()
export class ToolCatalog implements OnModuleInit {
  private readonly logger = new Logger(ToolCatalog.name);
  private readonly ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
  private tools = new Map<
    string,
    { tool: ToolDefinition; validate: ValidateFunction; validateOutput?: ValidateFunction }
  >();
  private anyPublic = false;

  constructor(
    @Inject(toolsConfig.KEY) private readonly config: ConfigType<typeof toolsConfig>,
    private readonly discovery: DiscoveryService,
    private readonly scopes: ScopeRegistry,
  ) {}

  onModuleInit(): void {
    const { tools, scopeImplications } = loadCatalog(
      {
        toolsFile: this.config.toolsFile,
        toolScopesJson: this.config.toolScopesJson,
        functionsBase: this.config.functionsBase,
        codeTools: this.discoverCodeTools(),
        tokenForwardOrigins: this.config.tokenForwardOrigins,
      },
      this.ajv,
    );
    this.tools = new Map(
      tools.map((tool) => [
        tool.name,
        {
          tool,
          validate: this.ajv.compile(tool.inputSchema),
          validateOutput: tool.outputSchema ? this.ajv.compile(tool.outputSchema) : undefined,
        },
      ]),
    );
    this.anyPublic = tools.some((tool) => tool.public);
    tools.forEach((tool) => this.scopes.registerTool(tool.scopes));
    this.scopes.registerImplications(scopeImplications);
    this.logger.log(
      `Tool catalog: ${tools.map((tool) => `${tool.name} [${tool.scopes.join(' ')}]`).join(', ') || 'empty'}`,
    );
  }

  list(): ToolDefinition[] {
    return [...this.tools.values()].map((entry) => entry.tool);
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  find(name: string): ToolDefinition | undefined {
    return this.tools.get(name)?.tool;
  }

  /**
   * Whether any tool is public: only then does the gateway answer anyone without a token. Asked on every
   * request without one, so known from the start rather than found in a fresh copy of the list each time.
   */
  hasPublicTools(): boolean {
    return this.anyPublic;
  }

  get(name: string): ToolDefinition {
    return this.entry(name).tool;
  }

  /** Checks arguments against the tool's inputSchema; every violation is reported. */
  validateArguments(name: string, args: unknown): Record<string, unknown> {
    const entry = this.entry(name);
    if (nestsDeeperThan(args, this.config.argsMaxDepth))
      throw argumentsTooDeep(name, this.config.argsMaxDepth);
    if (entry.validate(args)) return args as Record<string, unknown>;
    const violations = violationsOf(entry.validate);
    throw new ToolsException(
      ToolsErrorCode.INVALID_ARGUMENTS,
      name,
      `Arguments do not match the input schema of "${name}": ${describe(violations)}`,
      { violations },
    );
  }

  /**
   * MCP: a tool with an outputSchema must answer structuredContent that matches it (clients validate
   * it too), so a backend that breaks its contract is a tool error rather than data the model trusts.
   */
  validateOutput(name: string, structuredContent: unknown): void {
    const { validateOutput } = this.entry(name);
    if (!validateOutput) return;
    if (structuredContent === undefined) {
      throw new ToolsException(
        ToolsErrorCode.INVALID_OUTPUT,
        name,
        `Tool "${name}" declares an output schema but did not answer a JSON object`,
        { violations: [] },
      );
    }
    if (validateOutput(structuredContent)) return;
    const violations = violationsOf(validateOutput);
    throw new ToolsException(
      ToolsErrorCode.INVALID_OUTPUT,
      name,
      `The answer of "${name}" does not match its output schema: ${describe(violations)}`,
      { violations },
    );
  }

  private entry(name: string): {
    tool: ToolDefinition;
    validate: ValidateFunction;
    validateOutput?: ValidateFunction;
  } {
    const entry = this.tools.get(name);
    if (!entry) throw new ToolsException(ToolsErrorCode.UNKNOWN_TOOL, name, `Unknown tool "${name}"`);
    return entry;
  }

  /**
   * @Tool methods of every provider and controller. A provider that declares tools but is not a singleton
   * (request-scoped or transient) cannot be served: that stops the start instead of dropping its tools.
   */
  private discoverCodeTools(): ToolDefinition[] {
    const problems: string[] = [];
    const tools = this.discovery
      .getProviders()
      .concat(this.discovery.getControllers())
      .flatMap((wrapper) => {
        const type = wrapper.metatype as { name: string; prototype: object } | null;
        if (!wrapper.isDependencyTreeStatic()) {
          if (type?.prototype && declaresTools(type)) {
            problems.push(
              `${type.name} declares tools but is not a singleton provider; remove its scope option`,
            );
          }
          return [];
        }
        const instance = wrapper.instance as object | undefined;
        return instance && typeof instance === 'object' ? codeToolsOf(instance) : [];
      });
    if (problems.length > 0) throw new CatalogError(problems);
    return tools;
  }
}

function violationsOf(validate: ValidateFunction): ArgumentViolation[] {
  return (validate.errors ?? []).map((error) => ({
    path: error.instancePath || '/',
    message: error.message ?? 'is invalid',
  }));
}

function describe(violations: ArgumentViolation[]): string {
  return violations.map((violation) => `${violation.path} ${violation.message}`).join('; ');
}

/** INVALID_ARGUMENTS for arguments nested deeper than TOOL_ARGS_MAX_DEPTH. */
export function argumentsTooDeep(name: string, maxDepth: number): ToolsException {
  return new ToolsException(
    ToolsErrorCode.INVALID_ARGUMENTS,
    name,
    `Arguments of "${name}" nest deeper than ${maxDepth} levels (TOOL_ARGS_MAX_DEPTH)`,
    { violations: [{ path: '/', message: `nests deeper than ${maxDepth} levels` }] },
  );
}
