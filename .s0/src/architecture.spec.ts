import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Imports run one way (STYLE.md §10): shared foundations → auth → feature modules → assembly. A module may
 * import its own layer's foundations and anything below it, never a sibling feature or anything above.
 */
const LAYERS: Record<string, number> = {
  config: 0,
  common: 0,
  observability: 0,
  redis: 0,
  'rate-limit': 0,
  auth: 1,
  tools: 2,
  dcr: 2,
  health: 3,
  local: 3,
  'auth0-cli': 3,
  '.': 4,
};
/** Feature modules that must not know each other. */
const SIBLINGS = new Set(['tools', 'dcr']);

const SRC = __dirname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'testing' ? [] : sourceFiles(full);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [full] : [];
  });
}

function areaOf(file: string): string {
  const relative = path.relative(SRC, file);
  return relative.includes(path.sep) ? relative.split(path.sep)[0] : '.';
}

const imports = sourceFiles(SRC).flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)].map((match) => ({
    file: path.relative(SRC, file),
    from: areaOf(file),
    to: areaOf(path.resolve(path.dirname(file), match[1])),
  })),
);

describe('the import graph', () => {
  it('knows the layer of every source folder', () => {
    const areas = new Set(sourceFiles(SRC).map(areaOf));
    expect([...areas].filter((area) => !(area in LAYERS))).toEqual([]);
  });

  it('never imports upwards nor between feature modules', () => {
    const wrong = imports
      .filter(({ from, to }) => from !== to)
      .filter(({ from, to }) => LAYERS[to] > LAYERS[from] || (SIBLINGS.has(from) && SIBLINGS.has(to)))
      .map(({ file, to }) => `${file} imports ${to}`);
    expect(wrong).toEqual([]);
  });

  it('keeps common free of auth and the feature modules', () => {
    expect(imports.filter(({ from, to }) => from === 'common' && LAYERS[to] > 0)).toEqual([]);
  });

  it('keeps the operator CLIs away from the application module', () => {
    expect(
      imports.filter(({ file, to }) => file.startsWith('auth0-cli') && to === '.').map(({ file }) => file),
    ).toEqual([]);
  });
});

/**
 * One naming rule for Nest's roles: a class named `…Service`, `…Module`, `…Controller`, `…Guard`, `…Filter` or
 * `…Strategy` lives in a `<name>.<role>.ts` file, and such a file holds only classes of its role. Any other
 * class is named for what it is (`ToolCatalog`, `DcrReconciler`) in the kebab-case of that name.
 */
const ROLES = ['Service', 'Module', 'Controller', 'Guard', 'Filter', 'Strategy'];

const exportedClasses = sourceFiles(SRC).flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(/^export (?:abstract )?class (\w+)/gm)].map((match) => ({
    file: path.relative(SRC, file),
    name: match[1],
  })),
);

describe('class and file names', () => {
  it('puts every class named for a Nest role in a file of that role, and nothing else there', () => {
    const wrong = exportedClasses.flatMap(({ file, name }) => {
      const role = ROLES.find((candidate) => name.endsWith(candidate));
      const fileRole = ROLES.find((candidate) => file.endsWith(`.${candidate.toLowerCase()}.ts`));
      return role === fileRole ? [] : [`${name} in ${file}`];
    });
    expect(wrong).toEqual([]);
  });
});
