import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runInNewContext } from 'node:vm';

import {
  DOCS_EXAMPLE_SETTINGS,
  generatePostLoginAction,
  generatePostLoginActionDoc,
  PostLoginActionSettings,
} from './post-login-action.generator';

interface ActionApi {
  accessToken: { addScope: jest.Mock; setCustomClaim: jest.Mock; removeScope: jest.Mock };
  access: { deny: jest.Mock };
}

type PostLoginHandler = (event: unknown, api: ActionApi) => Promise<void>;

/** Loads the generated source the way Auth0 does: a CommonJS module exporting onExecutePostLogin. */
function load(settings: PostLoginActionSettings): PostLoginHandler {
  const module = { exports: {} as { onExecutePostLogin?: PostLoginHandler } };
  runInNewContext(generatePostLoginAction(settings), { module, exports: module.exports });
  return module.exports.onExecutePostLogin!;
}

function api(): ActionApi {
  return {
    accessToken: { addScope: jest.fn(), setCustomClaim: jest.fn(), removeScope: jest.fn() },
    access: { deny: jest.fn() },
  };
}

/** The parts of Auth0's post-login `event` the Action reads. */
function event(
  clientName: string,
  audience: string | undefined,
  requested: string[],
  roles: string[] = [],
): unknown {
  return {
    client: { client_id: 'tpc_1', name: clientName },
    resource_server: audience ? { identifier: audience } : undefined,
    transaction: { requested_scopes: requested, protocol: 'oidc-basic-profile' },
    authorization: { roles },
    user: { user_id: 'google-oauth2|1', email: 'ada@example.com' },
  };
}

describe('generatePostLoginAction', () => {
  const settings = DOCS_EXAMPLE_SETTINGS;
  const namespace = settings.claimNamespace;

  it('adds the requested gateway scopes and the roles claim for ChatGPT on the gateway API', async () => {
    const onLogin = load(settings);
    const calls = api();
    await onLogin(
      event('ChatGPT', settings.audience, ['openid', 'docs:read', 'offline_access'], ['reader']),
      calls,
    );
    expect(calls.accessToken.addScope.mock.calls).toEqual([['docs:read']]);
    expect(calls.accessToken.setCustomClaim.mock.calls).toEqual([
      [`${namespace}roles`, ['reader']],
      [`${namespace}connector`, 'chatgpt'],
    ]);
    expect(calls.access.deny).not.toHaveBeenCalled();
  });

  it('leaves other clients alone, even when they ask for the gateway API and its scopes', async () => {
    const calls = api();
    await load(settings)(event('Admin dashboard', settings.audience, ['docs:read', 'docs:write']), calls);
    expect(calls.accessToken.addScope).not.toHaveBeenCalled();
    expect(calls.accessToken.setCustomClaim).not.toHaveBeenCalled();
  });

  it('leaves ChatGPT logins for another API, or without an API, alone', async () => {
    for (const audience of ['https://other.example/api', undefined]) {
      const calls = api();
      await load(settings)(event('ChatGPT', audience, ['docs:read']), calls);
      expect(calls.accessToken.addScope).not.toHaveBeenCalled();
      expect(calls.accessToken.setCustomClaim).not.toHaveBeenCalled();
    }
  });

  it('only calls the documented Post-Login API (there is no setAudience)', () => {
    const code = generatePostLoginAction(settings).replace(/\/\*\*[\s\S]*?\*\//, '');
    const calls = new Set(code.match(/api\.[A-Za-z.]+(?=\()/g));
    expect([...calls].sort()).toEqual(['api.accessToken.addScope', 'api.accessToken.setCustomClaim']);
  });

  it('embeds configuration values as literals, so quotes or backslashes cannot change the code', async () => {
    const odd: PostLoginActionSettings = {
      audience: 'https://api.example/"); api.access.deny("x',
      scopes: ['a"b', 'c\\d'],
      clientNamePattern: /^Chat"GPT\b/i,
      claimNamespace: 'https://ns.example/',
    };
    const calls = api();
    await load(odd)(event('chat"gpt', odd.audience, ['a"b', 'c\\d']), calls);
    expect(calls.access.deny).not.toHaveBeenCalled();
    expect(calls.accessToken.addScope.mock.calls).toEqual([['a"b'], ['c\\d']]);
  });
});

describe('docs/auth0/chatgpt-post-login-action.{js,md}', () => {
  const docs = path.resolve(__dirname, '../../docs/auth0');

  it.each([
    ['chatgpt-post-login-action.js', () => generatePostLoginAction(DOCS_EXAMPLE_SETTINGS)],
    ['chatgpt-post-login-action.md', () => generatePostLoginActionDoc(DOCS_EXAMPLE_SETTINGS)],
  ])('%s is what the generator writes (npm run auth0:action -- --write-docs)', (file, generate) => {
    expect(readFileSync(path.join(docs, file), 'utf8')).toBe(generate());
  });
});
