import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { ConfigType } from '@nestjs/config';

import { appConfig } from '../config/app.config';
import { DcrTarget } from '../dcr/dcr-target';
import { CliIo, cliIo, withCliContext } from './cli-context';
import {
  DOCS_EXAMPLE_SETTINGS,
  generatePostLoginAction,
  generatePostLoginActionDoc,
  PostLoginActionSettings,
} from './post-login-action.generator';

export const DOCS_DIR = path.resolve(__dirname, '../../docs/auth0');
export const ACTION_DOC_FILES = { js: 'chatgpt-post-login-action.js', md: 'chatgpt-post-login-action.md' };

/**
 * `npm run auth0:action`: prints the Post-Login Action for this gateway's audience and scopes.
 * `npm run auth0:action -- --write-docs` regenerates docs/auth0/chatgpt-post-login-action.{js,md}.
 */
export async function runActionCli(args: string[], options: Partial<CliIo> = {}): Promise<number> {
  const io = cliIo(options);
  const { out, err } = io;
  if (args.includes('--write-docs')) {
    writeActionDocs(DOCS_DIR);
    out(`wrote ${ACTION_DOC_FILES.js} and ${ACTION_DOC_FILES.md} in ${DOCS_DIR}`);
    return 0;
  }
  return withCliContext(io, async (app) => {
    const target = app.get(DcrTarget);
    if (!target.audience) {
      err('error: OAUTH_AUDIENCE is not set; the Action needs the API identifier of the gateway');
      return 1;
    }
    const settings: PostLoginActionSettings = {
      audience: target.audience,
      scopes: target.scopes,
      clientNamePattern: target.allowList.clientNamePattern,
      claimNamespace: claimNamespace(app.get<ConfigType<typeof appConfig>>(appConfig.KEY), target.audience),
    };
    out(generatePostLoginAction(settings));
    return 0;
  });
}

/** PUBLIC_URL when it is set, else the audience's origin when it is a URL (never the loopback default). */
function claimNamespace(app: ConfigType<typeof appConfig>, audience: string): string {
  if (app.publicUrlConfigured) return `${app.publicUrl}/`;
  try {
    return `${new URL(audience).origin}/`;
  } catch {
    return `${app.publicUrl}/`;
  }
}

export function writeActionDocs(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, ACTION_DOC_FILES.js), generatePostLoginAction(DOCS_EXAMPLE_SETTINGS));
  writeFileSync(path.join(dir, ACTION_DOC_FILES.md), generatePostLoginActionDoc(DOCS_EXAMPLE_SETTINGS));
}

if (require.main === module) {
  void runActionCli(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
