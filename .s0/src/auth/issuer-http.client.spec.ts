import { Agent, Dispatcher, getGlobalDispatcher, setGlobalDispatcher } from 'undici';

import { testAuthConfig } from '../testing/config.fixtures';
import { closedPortUrl, FaultyHttpServer, HttpFault, serveFault } from '../testing/faulty-http';
import { IssuerHttpClient, IssuerHttpError, redactUrl } from './issuer-http.client';

const TIMEOUT_MS = 400;
const MAX_BYTES = 64 * 1024;

describe('IssuerHttpClient', () => {
  let server: FaultyHttpServer;
  let fault: HttpFault | undefined;
  let lastRequest: { method?: string; headers: Record<string, unknown>; body: string };
  const client = new IssuerHttpClient(
    testAuthConfig({}, { httpTimeoutMs: TIMEOUT_MS, maxResponseBytes: MAX_BYTES }),
  );

  beforeAll(async () => {
    server = await new FaultyHttpServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        lastRequest = { method: req.method, headers: req.headers, body };
        if (fault) return serveFault(req, res, fault);
        if (req.url === '/moved') {
          res.writeHead(302, { location: `${server.url}/elsewhere` });
          return res.end();
        }
        if (req.url?.startsWith('/unauthorized')) {
          res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' });
          return res.end();
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ active: true, path: req.url }));
      });
    }).start();
  });

  afterAll(() => server.stop());
  beforeEach(() => (fault = undefined));

  const failure = async (promise: Promise<unknown>): Promise<IssuerHttpError> => {
    const error = await promise.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(IssuerHttpError);
    return error as IssuerHttpError;
  };

  it('returns a JSON answer with its status and headers', async () => {
    const response = await client.json(`${server.url}/jwks`);

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.body).toEqual({ active: true, path: '/jwks' });
    expect(lastRequest.headers.accept).toBe('application/json');
  });

  it('posts a form with client authentication (RFC 7662 introspection)', async () => {
    await client.json(`${server.url}/introspect`, {
      method: 'POST',
      headers: { authorization: 'Basic Y2xpZW50OnNlY3JldA==' },
      form: { token: 'opaque-token', token_type_hint: 'access_token' },
    });

    expect(lastRequest).toMatchObject({
      method: 'POST',
      headers: {
        authorization: 'Basic Y2xpZW50OnNlY3JldA==',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'token=opaque-token&token_type_hint=access_token',
    });
  });

  it('reports a non-2xx answer as http_status with the status and headers (userinfo 401)', async () => {
    const error = await failure(client.json(`${server.url}/unauthorized?access_token=secret`));

    expect(error).toMatchObject({ reason: 'http_status', status: 401, url: `${server.url}/unauthorized` });
    expect(error.headers?.['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(error.message).not.toContain('secret');
  });

  it('does not follow redirects (an issuer endpoint cannot send the gateway elsewhere)', async () => {
    const before = server.requests;

    expect(await failure(client.json(`${server.url}/moved`))).toMatchObject({
      reason: 'http_status',
      status: 302,
    });
    expect(server.requests).toBe(before + 1);
  });

  it('fails with timeout when the issuer stalls after the headers', async () => {
    fault = 'stall';

    const error = await failure(client.json(`${server.url}/jwks`));

    expect(error.reason).toBe('timeout');
    expect(error.message).toBe(
      `Issuer endpoint ${server.url}/jwks: no complete answer within ${TIMEOUT_MS} ms`,
    );
  });

  it('fails with timeout when the issuer trickles (the deadline covers the whole body)', async () => {
    fault = 'trickle';

    expect((await failure(client.json(`${server.url}/jwks`))).reason).toBe('timeout');
  });

  it.each(['huge', 'huge-declared'] as const)(
    'fails with too_large when the answer outgrows the cap (%s)',
    async (huge) => {
      fault = huge;

      const error = await failure(client.json(`${server.url}/jwks`));

      expect(error).toMatchObject({ reason: 'too_large', detail: `the answer exceeds ${MAX_BYTES} bytes` });
    },
  );

  it('fails with invalid_json when the body is not JSON', async () => {
    fault = 'garbage';

    expect((await failure(client.json(`${server.url}/jwks`))).reason).toBe('invalid_json');
  });

  it('fails with http_status on a 5xx', async () => {
    fault = 'error-status';

    expect(await failure(client.json(`${server.url}/jwks`))).toMatchObject({
      reason: 'http_status',
      status: 500,
    });
  });

  it.each([
    ['the connection is reset', async () => ((fault = 'reset'), `${server.url}/jwks`)],
    ['nothing listens', async () => `${await closedPortUrl()}/jwks`],
  ])('fails with network when %s', async (_case, target) => {
    const error = await failure(client.json(await target()));

    expect(error.reason).toBe('network');
  });

  it('serves the next call normally after a call that timed out', async () => {
    fault = 'stall';
    await failure(client.json(`${server.url}/jwks`));
    fault = undefined;

    await expect(client.json(`${server.url}/jwks`)).resolves.toMatchObject({ status: 200 });
  });

  it("goes through undici's global dispatcher, so a process-wide proxy applies", async () => {
    const previous = getGlobalDispatcher();
    const seen: string[] = [];
    const counting = new Agent().compose((dispatch: Dispatcher['dispatch']) => (options, handler) => {
      seen.push(String(options.path));
      return dispatch(options, handler);
    });
    setGlobalDispatcher(counting);
    try {
      await client.json(`${server.url}/through-global`);
    } finally {
      setGlobalDispatcher(previous);
      await counting.close();
    }

    expect(seen).toEqual(['/through-global']);
  });

  it('keeps query strings and credentials out of the URL it reports', () => {
    expect(redactUrl('https://user:pw@issuer.example/userinfo?access_token=abc')).toBe(
      'https://issuer.example/userinfo',
    );
  });
});
