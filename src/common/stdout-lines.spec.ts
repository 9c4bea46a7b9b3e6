import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { StdoutLines } from './stdout-lines';

describe('StdoutLines', () => {
  let writes: string[];
  let write: jest.SpyInstance;

  beforeEach(() => {
    writes = [];
    write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(chunk.toString());
      return true;
    });
  });

  afterEach(() => write.mockRestore());

  it('writes the lines of one turn of the event loop together, in order, at the end of the turn', async () => {
    const lines = new StdoutLines();
    lines.write('a\n');
    lines.write('b\n');
    lines.write('c\n');
    expect(writes).toEqual([]);

    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(['a\nb\nc\n']);

    lines.write('d\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(['a\nb\nc\n', 'd\n']);
  });

  it('writes nothing when nothing is pending', () => {
    new StdoutLines().flush();
    expect(writes).toEqual([]);
  });

  it.each([
    ['process.exit()', 'process.exit(3)', 3],
    ['an uncaught exception', 'throw new Error("boom")', 1],
  ])('loses no line when the process ends by %s in the same turn', (_label, end, status) => {
    // The built module (npm test builds first), in a process of its own.
    const module = path.resolve(__dirname, '../../dist/common/stdout-lines.js');
    const child = spawnSync(
      process.execPath,
      [
        '-e',
        `const { stdoutLines } = require(${JSON.stringify(module)}); stdoutLines.write('one\\n'); stdoutLines.write('two\\n'); ${end};`,
      ],
      { encoding: 'utf8' },
    );
    expect(child.status).toBe(status);
    expect(child.stdout).toBe('one\ntwo\n');
  });
});
