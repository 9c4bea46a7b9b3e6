import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { AUTH_ERRORS } from './auth/auth.exception';
import { DCR_ERRORS } from './dcr/dcr.exception';
import { RATE_LIMIT_ERRORS } from './rate-limit/rate-limit.exception';
import { TOOLS_ERRORS } from './tools/tools.exception';

const GUIDE = readFileSync(path.resolve(__dirname, '../docs/troubleshooting.md'), 'utf8');
const TABLES = { AUTH_ERRORS, TOOLS_ERRORS, DCR_ERRORS, RATE_LIMIT_ERRORS };

describe('error codes', () => {
  const rows = Object.entries(TABLES).flatMap(([table, answers]) =>
    Object.entries(answers).map(([code, answer]) => ({ table, code, ...answer })),
  );

  it.each(rows)('$table $code has an entry in docs/troubleshooting.md', ({ code }) => {
    expect(GUIDE).toContain(`\`${code}\``);
  });

  it.each(rows)(
    '$table $code answers an error status with an error name and a hint',
    ({ status, error, hint }) => {
      expect(status).toBeGreaterThanOrEqual(400);
      expect(error).toMatch(/^[a-z_]+$/);
      expect(hint.length).toBeGreaterThan(20);
    },
  );
});
