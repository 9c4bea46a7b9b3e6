import { thrownBy } from '../testing/errors';
import { TempDir } from '../testing/temp-dir';
import { buildCatalog, CatalogError, CatalogSources, loadCatalog } from './catalog-loader';
import type { ToolDefinition } from './tool-definition';

const FUNCTIONS_BASE = 'https://functions.internal/api';

const CRM_YAML = `
# The catalog a team writes by hand.
tools:
  - name: crm_search
    description: Searches customers.
    scopes: [crm:read, crm:read]
    inputSchema:
      type: object
      properties:
        query: { type: string }
      required: [query]
  - name: crm_update
    description: Updates a customer.
    scopes: [crm:write]
    upstream: https://crm.internal/update
    timeoutMs: 2500
`;

const inProcessTool = (overrides: Partial<ToolDefinition> = {}): ToolDefinition => ({
  name: 'current_time',
  description: 'The current time.',
  inputSchema: { type: 'object' },
  scopes: ['time:read'],
  handler: () => undefined,
  source: 'code',
  ...overrides,
});

describe('buildCatalog', () => {
  let dir: TempDir;

  beforeEach(() => (dir = new TempDir()));
  afterEach(() => dir.remove());

  const catalogOf = (sources: Partial<CatalogSources>): ToolDefinition[] =>
    buildCatalog({ functionsBase: FUNCTIONS_BASE, codeTools: [], ...sources });
  const problemsOf = (sources: Partial<CatalogSources>): string[] =>
    thrownBy(() => buildCatalog({ codeTools: [], ...sources }), CatalogError).problems;

  it('reads a YAML TOOLS_FILE and forwards each tool to FUNCTIONS_BASE unless it names its upstream', () => {
    const catalog = catalogOf({ toolsFile: dir.write('tools.yaml', CRM_YAML) });

    expect(catalog).toEqual([
      {
        name: 'crm_search',
        description: 'Searches customers.',
        inputSchema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
        scopes: ['crm:read'],
        upstreamUrl: 'https://functions.internal/api/crm_search',
        timeoutMs: undefined,
        source: 'file',
      },
      {
        name: 'crm_update',
        description: 'Updates a customer.',
        inputSchema: { type: 'object' },
        scopes: ['crm:write'],
        upstreamUrl: 'https://crm.internal/update',
        timeoutMs: 2500,
        source: 'file',
      },
    ]);
  });

  it('reads a JSON TOOLS_FILE given as a bare list', () => {
    const file = dir.write(
      'tools.json',
      JSON.stringify([{ name: 'weather', description: 'Forecast.', scopes: ['weather:read'] }]),
    );

    expect(catalogOf({ toolsFile: file })).toMatchObject([
      { name: 'weather', scopes: ['weather:read'], upstreamUrl: 'https://functions.internal/api/weather' },
    ]);
  });

  it('lists file, in-code and TOOL_SCOPES_JSON tools together, sorted by name', () => {
    const catalog = catalogOf({
      toolsFile: dir.write('tools.yaml', CRM_YAML),
      toolScopesJson: '{"billing_export": ["billing:read"]}',
      codeTools: [inProcessTool()],
    });

    expect(catalog.map((tool) => [tool.name, tool.source])).toEqual([
      ['billing_export', 'TOOL_SCOPES_JSON'],
      ['crm_search', 'file'],
      ['crm_update', 'file'],
      ['current_time', 'code'],
    ]);
  });

  describe("TOOL_SCOPES_JSON (the earlier gateway's form)", () => {
    it('adds a forwarded tool that accepts any object', () => {
      expect(catalogOf({ toolScopesJson: '{"billing_export": ["billing:read"]}' })).toEqual([
        {
          name: 'billing_export',
          description: 'Forwarded to https://functions.internal/api/billing_export',
          inputSchema: { type: 'object' },
          scopes: ['billing:read'],
          upstreamUrl: 'https://functions.internal/api/billing_export',
          source: 'TOOL_SCOPES_JSON',
        },
      ]);
    });

    it('overrides the scopes of a tool defined in the file or in code', () => {
      const catalog = catalogOf({
        toolsFile: dir.write('tools.yaml', CRM_YAML),
        toolScopesJson: '{"crm_search": ["crm:admin"], "current_time": ["clock:read"]}',
        codeTools: [inProcessTool()],
      });

      expect(catalog.find((tool) => tool.name === 'crm_search')?.scopes).toEqual(['crm:admin']);
      expect(catalog.find((tool) => tool.name === 'current_time')?.scopes).toEqual(['clock:read']);
    });
  });

  it('reports every problem of the catalog in one error', () => {
    const file = dir.write(
      'tools.yaml',
      `
tools:
  - name: open_door
    description: A tool someone forgot to protect.
    scopes: []
  - name: crm_search
    description: Searches customers.
    scopes: [crm:read]
  - name: crm_search
    description: The same name again.
    scopes: [crm:read]
  - name: bad_schema
    description: A schema that does not compile.
    scopes: [x:read]
    inputSchema: { type: object, properties: { n: { type: integer, minimum: "one" } } }
  - name: list_input
    description: Arguments must be an object.
    scopes: [x:read]
    inputSchema: { type: array }
  - description: No name at all.
    scopes: "x:read"
    upstream: ftp://files.internal/
    timeoutMs: -1
`,
    );

    const problems = problemsOf({ toolsFile: file, toolScopesJson: '{"billing_export": ["billing:read"' });

    expect(problems).toEqual(
      expect.arrayContaining([
        'tool "crm_search" is defined twice (file and file)',
        'tool "open_door" (file) has no scopes: give it at least one (deny by default), or declare it public to serve it without a token',
        expect.stringMatching(/^tool "bad_schema" \(file\): inputSchema does not compile: /),
        'tool "list_input" (file): inputSchema must be a JSON Schema with type "object"',
        'tool "crm_search" (file) has no backend: set FUNCTIONS_BASE or the tool\'s "upstream" URL',
        'TOOLS_FILE tool #6: "name" is required',
        'TOOLS_FILE tool #6: "scopes" must be a list of scope names',
        'TOOLS_FILE tool #6: "upstream" must be an absolute http(s) URL',
        'TOOLS_FILE tool #6: "timeoutMs" must be a positive integer',
        'TOOL_SCOPES_JSON is not valid JSON; expected {"tool": ["scope", ...]}',
      ]),
    );
  });

  it('refuses an in-code tool without @RequireScopes', () => {
    expect(problemsOf({ codeTools: [inProcessTool({ scopes: [] })] })).toEqual([
      'tool "current_time" (code) has no scopes: give it at least one (deny by default), or declare it public to serve it without a token',
    ]);
  });

  describe('public tools', () => {
    it('serves a TOOLS_FILE tool declared public without scopes', () => {
      const file = dir.write(
        'tools.yaml',
        'tools:\n  - { name: service_status, description: Status., public: true }\n',
      );

      expect(catalogOf({ toolsFile: file })).toMatchObject([
        { name: 'service_status', public: true, scopes: [] },
      ]);
    });

    it('serves an in-code tool declared public', () => {
      expect(catalogOf({ codeTools: [inProcessTool({ public: true, scopes: [] })] })).toMatchObject([
        { name: 'current_time', public: true, scopes: [] },
      ]);
    });

    it('never makes a tool public by default, and refuses a public tool with scopes or a non-boolean public', () => {
      const file = dir.write(
        'tools.yaml',
        `
tools:
  - { name: a, description: A., public: true, scopes: [x:read] }
  - { name: b, description: B., public: "yes" }
  - { name: c, description: C. }
`,
      );

      expect(
        problemsOf({
          toolsFile: file,
          functionsBase: FUNCTIONS_BASE,
          toolScopesJson: '{"current_time": ["t:read"]}',
          codeTools: [inProcessTool({ public: true, scopes: [] })],
        }),
      ).toEqual([
        'TOOLS_FILE tool #2 "b": "public" must be true or false',
        'TOOLS_FILE tool #2 "b": "scopes" must be a list of scope names',
        'TOOLS_FILE tool #3 "c": "scopes" must be a list of scope names',
        'tool "a" (file) is public and has scopes: a public tool needs no token, so it takes no scopes',
        'tool "current_time" (code) is public and has scopes: a public tool needs no token, so it takes no scopes',
      ]);
    });
  });

  it('refuses a tool defined both in the file and in code', () => {
    const file = dir.write(
      'tools.yaml',
      'tools:\n  - { name: current_time, description: Clock., scopes: [t:read] }\n',
    );

    expect(
      problemsOf({ toolsFile: file, functionsBase: FUNCTIONS_BASE, codeTools: [inProcessTool()] }),
    ).toEqual(['tool "current_time" is defined twice (file and code)']);
  });

  it.each([
    [
      'a name with spaces',
      { name: 'crm search' },
      'tool "crm search" (code): name must match ^[A-Za-z0-9_.-]{1,64}$',
    ],
    [
      'a scope with a quote',
      { scopes: ['crm"read'] },
      'tool "current_time" (code): invalid scope token(s) ["crm\\"read"]',
    ],
  ])('refuses %s', (_label, overrides, problem) => {
    expect(problemsOf({ codeTools: [inProcessTool(overrides)] })).toEqual([problem]);
  });

  it.each([
    [
      'is not an object',
      '["crm_search"]',
      'TOOL_SCOPES_JSON must be an object like {"tool": ["scope", ...]}',
    ],
    [
      'lists scopes as a string',
      '{"crm_search": "crm:read"}',
      'TOOL_SCOPES_JSON: the scopes of "crm_search" must be a list of strings',
    ],
  ])('refuses a TOOL_SCOPES_JSON that %s', (_label, json, problem) => {
    expect(problemsOf({ toolScopesJson: json, functionsBase: FUNCTIONS_BASE })).toEqual([problem]);
  });

  it.each([
    [
      'that does not exist',
      (): string => `${dir.path}/missing.yaml`,
      /^TOOLS_FILE missing\.yaml could not be read: ENOENT/,
    ],
    [
      'with invalid JSON',
      (): string => dir.write('tools.json', '{"tools": ['),
      /^TOOLS_FILE tools\.json could not be read: /,
    ],
    [
      'without a tool list',
      (): string => dir.write('tools.yaml', 'name: crm_search\n'),
      /^TOOLS_FILE must hold a list of tools/,
    ],
  ])('reports a TOOLS_FILE %s', (_label, file, problem) => {
    const problems = problemsOf({ toolsFile: file() });

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });

  it('knows the string formats the request validator checks, so start-up prints no raw console warning', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const schema = { type: 'object', properties: { to: { type: 'string', format: 'email' } } };

    try {
      expect(buildCatalog({ codeTools: [inProcessTool({ inputSchema: schema })] })).toHaveLength(1);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('accepts an empty catalog', () => {
    expect(buildCatalog({ codeTools: [] })).toEqual([]);
  });

  describe('tool metadata', () => {
    const METADATA_YAML = `
tools:
  - name: sales_report
    title: Sales report
    description: Totals by region.
    scopes: [reports:read]
    outputSchema:
      type: object
      properties: { total: { type: number } }
      required: [total]
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false }
    _meta:
      openai/outputTemplate: ui://widget/report.html
      openai/toolInvocation/invoking: Counting…
`;

    it('reads title, annotations, outputSchema and _meta from TOOLS_FILE', () => {
      expect(catalogOf({ toolsFile: dir.write('tools.yaml', METADATA_YAML) })).toEqual([
        {
          name: 'sales_report',
          title: 'Sales report',
          description: 'Totals by region.',
          inputSchema: { type: 'object' },
          outputSchema: { type: 'object', properties: { total: { type: 'number' } }, required: ['total'] },
          annotations: {
            readOnlyHint: true,
            destructiveHint: false,
            idempotentHint: true,
            openWorldHint: false,
          },
          _meta: {
            'openai/outputTemplate': 'ui://widget/report.html',
            'openai/toolInvocation/invoking': 'Counting…',
          },
          scopes: ['reports:read'],
          upstreamUrl: 'https://functions.internal/api/sales_report',
          timeoutMs: undefined,
          source: 'file',
        },
      ]);
    });

    it('stops at start-up on an unknown field, naming it, instead of dropping it silently', () => {
      const file = dir.write(
        'tools.yaml',
        `
catalog_version: 2
tools:
  - name: sales_report
    description: Totals.
    scopes: [reports:read]
    outputschema: { type: object }
    readOnlyHint: true
`,
      );

      expect(problemsOf({ toolsFile: file, functionsBase: FUNCTIONS_BASE })).toEqual([
        'TOOLS_FILE: unknown field "catalog_version" next to "tools"',
        expect.stringMatching(
          /^TOOLS_FILE tool #1 "sales_report": unknown field "outputschema" \(a tool has name, title, /,
        ),
        expect.stringMatching(/^TOOLS_FILE tool #1 "sales_report": unknown field "readOnlyHint"/),
      ]);
    });

    it('reports every metadata problem of file and in-code tools', () => {
      const file = dir.write(
        'tools.yaml',
        `
tools:
  - name: a
    description: A.
    scopes: [x:read]
    title: ""
    annotations: { readonlyHint: true, destructiveHint: "no" }
  - name: b
    description: B.
    scopes: [x:read]
    outputSchema: { type: array }
    _meta: { securitySchemes: [{ type: noauth }] }
  - name: c
    description: C.
    scopes: [x:read]
    outputSchema: { type: object, properties: { n: { type: integer, minimum: "one" } } }
    _meta: [1]
`,
      );

      const problems = problemsOf({
        toolsFile: file,
        functionsBase: FUNCTIONS_BASE,
        codeTools: [inProcessTool({ annotations: 'read only' as never })],
      });

      expect(problems).toEqual([
        'tool "a" (file): "title" must be a non-empty string',
        'tool "a" (file): unknown annotation "readonlyHint" (known: title, readOnlyHint, destructiveHint, idempotentHint, openWorldHint)',
        'tool "a" (file): annotation "destructiveHint" must be a boolean',
        'tool "b" (file): outputSchema must be a JSON Schema with type "object"',
        'tool "b" (file): "_meta.securitySchemes" is written by the gateway from the tool\'s scopes; remove it',
        expect.stringMatching(/^tool "c" \(file\): outputSchema does not compile: /),
        'tool "c" (file): "_meta" must be an object',
        'tool "current_time" (code): "annotations" must be an object',
      ]);
    });
  });

  describe("forwardBearer (the user's token to the provider's own API)", () => {
    const GITEA_YAML = `
tools:
  - name: list_repos
    description: Lists the user's repositories.
    scopes: [read:repository]
    upstream: https://git.example.com/api/v1/user/repos
    forwardBearer: true
`;

    it('is allowed when the upstream origin is in OAUTH_TOKEN_FORWARD_ORIGINS', () => {
      const [tool] = catalogOf({
        toolsFile: dir.write('tools.yaml', GITEA_YAML),
        tokenForwardOrigins: ['https://git.example.com'],
      });

      expect(tool).toMatchObject({ name: 'list_repos', forwardBearer: true });
    });

    it('stops start-up naming the tool when its upstream is another origin, or none is allowed', () => {
      for (const tokenForwardOrigins of [[], ['https://git.example.org'], undefined]) {
        expect(problemsOf({ toolsFile: dir.write('tools.yaml', GITEA_YAML), tokenForwardOrigins })).toEqual([
          'tool "list_repos" (file) sets forwardBearer but its upstream origin https://git.example.com is not in OAUTH_TOKEN_FORWARD_ORIGINS: the user\'s token may only go to the provider\'s own API',
        ]);
      }
    });

    it('refuses a forwardBearer that is not a boolean, and leaves the token out by default', () => {
      expect(problemsOf({ toolsFile: dir.write('tools.yaml', GITEA_YAML.replace('true', '"yes"')) })).toEqual(
        ['TOOLS_FILE tool #1 "list_repos": "forwardBearer" must be true or false'],
      );
      expect(catalogOf({ toolsFile: dir.write('tools.yaml', CRM_YAML) })[0].forwardBearer).toBeUndefined();
    });
  });

  describe('scopeImplications', () => {
    it('reads the section of TOOLS_FILE', () => {
      const file = dir.write('tools.yaml', `${CRM_YAML}\nscopeImplications:\n  crm:write: [crm:read]\n`);

      expect(
        loadCatalog({ functionsBase: FUNCTIONS_BASE, codeTools: [], toolsFile: file }).scopeImplications,
      ).toEqual({ 'crm:write': ['crm:read'] });
    });

    it('reports a section that does not map scopes to lists of scopes', () => {
      const file = dir.write('tools.yaml', `${CRM_YAML}\nscopeImplications:\n  crm:write: crm:read\n`);

      expect(problemsOf({ functionsBase: FUNCTIONS_BASE, toolsFile: file })).toEqual([
        'TOOLS_FILE "scopeImplications" must map a scope to the list of scopes it implies, e.g. {"write:repository": ["read:repository"]}',
      ]);
    });
  });
});
