import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** A scratch directory for files a test hands to the code under test (catalogs, configs). */
export class TempDir {
  readonly path = mkdtempSync(path.join(tmpdir(), 'gateway-spec-'));

  write(name: string, content: string): string {
    const file = path.join(this.path, name);
    writeFileSync(file, content);
    return file;
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}
