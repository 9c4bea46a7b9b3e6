import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { stringify } from 'yaml';

/** Writes a TOOLS_FILE (YAML) to a temporary directory and returns its path. */
export function writeToolsFile(tools: Array<Record<string, unknown>>): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'gateway-tools-')), 'tools.yaml');
  writeFileSync(file, stringify({ tools }));
  return file;
}
