import { publishedTools } from '../testing/tool.fixtures';
import { EXAMPLE_TOOLS, IN_PROCESS_TOOLS } from './in-process-tools';
import { InProcessToolsModule } from './in-process-tools.module';

describe('the in-process tool registry', () => {
  const registered = [...IN_PROCESS_TOOLS, ...EXAMPLE_TOOLS];

  it.each(registered.map((type) => [type.name, type]))(
    '%s publishes at least one tool the catalog accepts (scopes, compiling schemas)',
    (_name, type) => {
      expect(publishedTools(Object.create(type.prototype) as object).length).toBeGreaterThan(0);
    },
  );

  it('serves the example tools only when EXAMPLE_TOOLS_ENABLED', () => {
    expect(InProcessToolsModule.register({ exampleTools: false }).providers).toEqual(IN_PROCESS_TOOLS);
    expect(InProcessToolsModule.register({ exampleTools: true }).providers).toEqual(registered);
  });
});
