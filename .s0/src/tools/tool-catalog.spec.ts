import { Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';

import { RequireScopes } from '../auth/decorators/require-scopes.decorator';
import { ScopeRegistry } from '../auth/scope.registry';
import { buildToolsConfig } from '../config/tools.config';
import { testAuthConfig } from '../testing/config.fixtures';
import { thrownBy } from '../testing/errors';
import { CatalogError } from './catalog-loader';
import { ToolCatalog } from './tool-catalog';
import { Tool } from './tool.decorator';
import { ToolsErrorCode, ToolsException } from './tools.exception';

@RequireScopes('mail:send')
class MailTool {
  @Tool({
    name: 'send_mail',
    description: 'Sends an e-mail.',
    inputSchema: {
      type: 'object',
      properties: {
        to: { type: 'string', format: 'email' },
        subject: { type: 'string', maxLength: 20 },
        urgent: { type: 'boolean' },
      },
      required: ['to', 'subject'],
      additionalProperties: false,
    },
  })
  @RequireScopes('mail:write')
  send(args: Record<string, unknown>): Record<string, unknown> {
    return { sent: args.to };
  }

  helper(): void {}
}

class StatusTool {
  @Tool({ name: 'status', description: 'Is it up?', inputSchema: { type: 'object' }, public: true })
  status(): Record<string, unknown> {
    return { up: true };
  }
}

class ReportTool {
  @Tool({
    name: 'sales_report',
    title: 'Sales report',
    description: 'Totals by region.',
    inputSchema: { type: 'object' },
    outputSchema: {
      type: 'object',
      properties: { total: { type: 'number' } },
      required: ['total'],
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
    _meta: { 'openai/outputTemplate': 'ui://widget/report.html' },
  })
  @RequireScopes('reports:read')
  report(): Record<string, unknown> {
    return { total: 3 };
  }
}

/** The catalog as Nest would build it, with MailTool among the application's providers. */
function catalogWith(...providers: object[]): { catalog: ToolCatalog; scopes: ScopeRegistry } {
  const wrappers = providers.map(
    (instance) =>
      ({ instance, metatype: instance.constructor, isDependencyTreeStatic: () => true }) as InstanceWrapper,
  );
  const discovery = { getProviders: () => wrappers, getControllers: () => [] } as unknown as DiscoveryService;
  const scopes = new ScopeRegistry(testAuthConfig());
  const catalog = new ToolCatalog(buildToolsConfig({}), discovery, scopes);
  catalog.onModuleInit();
  return { catalog, scopes };
}

describe('ToolCatalog', () => {
  beforeAll(() => jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined));
  afterAll(() => jest.restoreAllMocks());

  it('serves a decorated provider method as a tool needing its class and method scopes', () => {
    const { catalog, scopes } = catalogWith(new MailTool());

    expect(catalog.list()).toEqual([
      expect.objectContaining({ name: 'send_mail', scopes: ['mail:write', 'mail:send'], source: 'code' }),
    ]);
    expect(scopes.all()).toEqual(['mail:send', 'mail:write']);
  });

  it('keeps the title, annotations, output schema and _meta declared in @Tool', () => {
    const { catalog } = catalogWith(new ReportTool());

    expect(catalog.get('sales_report')).toMatchObject({
      title: 'Sales report',
      annotations: { readOnlyHint: true, openWorldHint: false },
      outputSchema: { type: 'object', required: ['total'] },
      _meta: { 'openai/outputTemplate': 'ui://widget/report.html' },
    });
  });

  it('calls the tool method on its provider instance', async () => {
    const { catalog } = catalogWith(new MailTool());

    const handler = catalog.get('send_mail').handler!;

    expect(await handler({ to: 'ada@example.com' }, { user: {} as never, requestId: 'r1' })).toEqual({
      sent: 'ada@example.com',
    });
  });

  it('stops the start when a provider declaring tools is request-scoped, instead of dropping its tools', () => {
    const requestScoped = {
      instance: undefined,
      metatype: MailTool,
      isDependencyTreeStatic: () => false,
    } as unknown as InstanceWrapper;
    const discovery = {
      getProviders: () => [requestScoped],
      getControllers: () => [],
    } as unknown as DiscoveryService;
    const catalog = new ToolCatalog(buildToolsConfig({}), discovery, new ScopeRegistry(testAuthConfig()));

    expect(thrownBy(() => catalog.onModuleInit(), CatalogError).problems).toEqual([
      'MailTool declares tools but is not a singleton provider; remove its scope option',
    ]);
  });

  it('knows whether any tool is public, which decides whether anyone without a token is served', () => {
    expect(catalogWith(new MailTool()).catalog.hasPublicTools()).toBe(false);
    expect(catalogWith(new MailTool(), new StatusTool()).catalog.hasPublicTools()).toBe(true);
  });

  it('answers UNKNOWN_TOOL (404) for a name not in the catalog', () => {
    const { catalog } = catalogWith(new MailTool());

    const error = thrownBy(() => catalog.get('drop_tables'), ToolsException);

    expect(error.code).toBe(ToolsErrorCode.UNKNOWN_TOOL);
    expect(error.status).toBe(404);
    expect(thrownBy(() => catalog.validateArguments('drop_tables', {}), ToolsException).code).toBe(
      ToolsErrorCode.UNKNOWN_TOOL,
    );
  });

  describe('validateArguments', () => {
    let catalog: ToolCatalog;

    beforeAll(() => ({ catalog } = catalogWith(new MailTool(), new ReportTool())));

    it('returns arguments that match the input schema', () => {
      const args = { to: 'ada@example.com', subject: 'Hello' };

      expect(catalog.validateArguments('send_mail', args)).toBe(args);
    });

    it('answers INVALID_ARGUMENTS (400) listing every violation with its JSON pointer', () => {
      const error = thrownBy(
        () =>
          catalog.validateArguments('send_mail', {
            to: 'not-an-address',
            subject: 'A subject far longer than twenty characters',
            urgent: 'yes',
            cc: 'bob@example.com',
          }),
        ToolsException,
      );

      expect(error.code).toBe(ToolsErrorCode.INVALID_ARGUMENTS);
      expect(error.status).toBe(400);
      expect(error.fields.violations).toEqual(
        expect.arrayContaining([
          { path: '/', message: 'must NOT have additional properties' },
          { path: '/to', message: 'must match format "email"' },
          { path: '/subject', message: 'must NOT have more than 20 characters' },
          { path: '/urgent', message: 'must be boolean' },
        ]),
      );
      expect(error.fields.violations).toHaveLength(4);
      expect(error.message).toContain('/urgent must be boolean');
    });

    it('reports missing required arguments', () => {
      const error = thrownBy(() => catalog.validateArguments('send_mail', {}), ToolsException);

      expect(error.fields.violations).toEqual([
        { path: '/', message: "must have required property 'to'" },
        { path: '/', message: "must have required property 'subject'" },
      ]);
    });

    it('answers INVALID_ARGUMENTS for arguments nested deeper than TOOL_ARGS_MAX_DEPTH, before any schema check', () => {
      let deep: unknown = 'leaf';
      for (let level = 0; level < 100_000; level += 1) deep = [deep];

      const error = thrownBy(() => catalog.validateArguments('sales_report', { deep }), ToolsException);

      expect(error.code).toBe(ToolsErrorCode.INVALID_ARGUMENTS);
      expect(error.message).toBe(
        'Arguments of "sales_report" nest deeper than 64 levels (TOOL_ARGS_MAX_DEPTH)',
      );
      expect(error.fields.violations).toEqual([{ path: '/', message: 'nests deeper than 64 levels' }]);
    });

    it('refuses arguments that are not an object', () => {
      const error = thrownBy(
        () => catalog.validateArguments('send_mail', ['ada@example.com']),
        ToolsException,
      );

      expect(error.fields.violations).toEqual([{ path: '/', message: 'must be object' }]);
    });
  });

  describe('validateOutput', () => {
    let catalog: ToolCatalog;

    beforeAll(() => ({ catalog } = catalogWith(new MailTool(), new ReportTool())));

    it('accepts structuredContent that matches the output schema, and anything from a tool without one', () => {
      expect(() => catalog.validateOutput('sales_report', { total: 3 })).not.toThrow();
      expect(() => catalog.validateOutput('send_mail', undefined)).not.toThrow();
    });

    it('answers INVALID_OUTPUT (502) listing every violation', () => {
      const error = thrownBy(
        () => catalog.validateOutput('sales_report', { total: 'three' }),
        ToolsException,
      );

      expect(error.code).toBe(ToolsErrorCode.INVALID_OUTPUT);
      expect(error.status).toBe(502);
      expect(error.fields.violations).toEqual([{ path: '/total', message: 'must be number' }]);
      expect(error.message).toBe(
        'The answer of "sales_report" does not match its output schema: /total must be number',
      );
    });

    it('answers INVALID_OUTPUT when a tool with an output schema answers no JSON object', () => {
      const error = thrownBy(() => catalog.validateOutput('sales_report', undefined), ToolsException);

      expect(error.code).toBe(ToolsErrorCode.INVALID_OUTPUT);
      expect(error.message).toBe(
        'Tool "sales_report" declares an output schema but did not answer a JSON object',
      );
    });
  });
});
