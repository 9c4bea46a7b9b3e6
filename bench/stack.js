'use strict';
// The processes of a benchmark run and the requests sent to them, shared by bench/run.js and
// bench/profile.js. Every server is a forked child on 127.0.0.1 with its whole configuration in its
// environment; the parent holds the issuer (bench/issuer.js) and the load generator.

const { fork } = require('node:child_process');
const { mkdtempSync, writeFileSync } = require('node:fs');
const { createServer } = require('node:net');
const os = require('node:os');
const path = require('node:path');

const { assertLoopback } = require('./load');

const AUDIENCE = 'https://bench.connector-gateway.test/mcp';
const HMAC_SECRET = 'bench-hmac-secret-0123456789abcdef0123456789';
const ECHO_ARGS = { message: 'hello from the benchmark', n: 42, tags: ['a', 'b', 'c'] };
const ECHO_BODY = JSON.stringify(ECHO_ARGS);
const MCP_TOOL_CALL = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'echo', arguments: ECHO_ARGS },
});
const STARTUP_TIMEOUT_MS = 90000;

const children = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Forks `file` with exactly `env` (plus PATH/HOME) and waits for its { type: 'ready', port } message.
 * The child's stdout is discarded when `quiet` (a gateway logging one line per request), stderr is kept.
 */
function startChild(label, file, env, { execArgv = [], quiet = false } = {}) {
  const child = fork(path.join(__dirname, file), [], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    execArgv,
    stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${label}: not ready after ${STARTUP_TIMEOUT_MS} ms`)),
      STARTUP_TIMEOUT_MS,
    );
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${label}: exited during start-up (code ${code}, signal ${signal})`));
    });
    child.on('message', (message) => {
      if (message?.type === 'ready') {
        clearTimeout(timer);
        const origin = `http://127.0.0.1:${message.port}`;
        assertLoopback(origin);
        resolve({ label, child, pid: child.pid, origin });
      } else if (message?.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`${label}: failed to start:\n${message.message}`));
      }
    });
  });
}

/** Asks a child one question over IPC ({ type } in, the first answer of the same type out). */
function ask(target, type, timeoutMs = 30000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      target.child.off('message', onMessage);
      reject(new Error(`${target.label}: no "${type}" answer within ${timeoutMs} ms`));
    }, timeoutMs);
    function onMessage(message) {
      if (message?.type !== type) return;
      clearTimeout(timer);
      target.child.off('message', onMessage);
      resolve(message);
    }
    target.child.on('message', onMessage);
    target.child.send({ type });
  });
}

/** Stops one child the way it exits normally (so that --cpu-prof writes its profile) and waits. */
function stopChild(target, timeoutMs = 10000) {
  const { child } = target;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.send({ type: 'stop' });
  });
}

function stopChildren() {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      if (child.connected) child.disconnect();
      child.kill('SIGTERM');
    }
  }
}

function toolsFile() {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'gateway-bench-')), 'tools.yaml');
  writeFileSync(file, 'tools:\n  - name: echo\n    description: Echo\n    scopes: [tools:read]\n');
  return file;
}

/**
 * A gateway with the bench's configuration: the echo tool forwarded to `backendOrigin`, LOG_LEVEL
 * `logLevel` (the production default `log` writes one access line per request; stdout is discarded).
 */
async function startGateway(label, options) {
  // The port is found free, then handed to the child: a server starting meanwhile (the baselines bind port 0
  // at the same time) can take it first. Such a start is retried on another port.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startGatewayOn(await freePort(), label, options);
    } catch (error) {
      if (attempt === 3 || !error.message.includes('EADDRINUSE')) throw error;
      console.error(`${label}: its port was taken before it listened; starting it on another`);
    }
  }
}

function startGatewayOn(port, label, { issuer, backendOrigin, logLevel, env = {}, execArgv, dist }) {
  return startChild(
    label,
    'gateway-child.js',
    {
      NODE_ENV: 'test',
      LOG_LEVEL: logLevel,
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      OAUTH_ISSUER: issuer.issuer,
      OAUTH_AUDIENCE: AUDIENCE,
      FUNCTIONS_BASE: backendOrigin,
      GATEWAY_HMAC_SECRET: HMAC_SECRET,
      TOOLS_FILE: toolsFile(),
      DEBUG_TOKEN_ENABLED: 'true',
      ...(dist ? { BENCH_GATEWAY_DIST: dist } : {}),
      ...env,
    },
    { execArgv, quiet: true },
  );
}

/** A baseline server from bench/baselines: `raw`, `nest-express`, `nest-fastify` or `naive`. */
function startBaseline(name, { issuer, backendOrigin, execArgv }) {
  const env = { BACKEND_ORIGIN: backendOrigin };
  if (name === 'raw') return startChild('raw forwarder', 'baselines/raw-forwarder.js', env, { execArgv });
  return startChild(
    `${name} forwarder`,
    'baselines/nest-forwarder.js',
    {
      ...env,
      BASELINE: name,
      OAUTH_ISSUER: issuer.issuer,
      OAUTH_AUDIENCE: AUDIENCE,
      OAUTH_JWKS_URI: `${issuer.url}/jwks`,
    },
    { execArgv },
  );
}

// ---------------------------------------------------------------------------------------------- requests

const isEcho = ({ text }) => (text === ECHO_BODY ? undefined : 'body is not the echoed request');

/** The MCP answer must carry the backend's echo as a successful tool result. */
const isMcpEcho = ({ text }) => {
  let message;
  try {
    message = JSON.parse(text);
  } catch {
    return 'the MCP answer is not JSON';
  }
  const result = message?.result;
  if (!result || result.isError) return 'not a successful tools/call result';
  return result.content?.[0]?.text === ECHO_BODY ? undefined : 'the tool result is not the echoed arguments';
};

const isChallenge = ({ headers }) =>
  /^Bearer /.test(headers['www-authenticate'] ?? '') && /resource_metadata=/.test(headers['www-authenticate'])
    ? undefined
    : 'no RFC 6750 / RFC 9728 challenge in WWW-Authenticate';

/** POST /tools/echo on any forwarder (the gateway or a baseline), with `headers` (a bearer or none). */
function toolCall(target, headers = {}) {
  const sent = { ...headers, 'content-type': 'application/json' };
  return {
    server: target,
    origin: target.origin,
    request: () => ({ method: 'POST', path: '/tools/echo', headers: sent, body: ECHO_BODY }),
    expectStatus: 200,
    check: isEcho,
  };
}

/** The same tool through the gateway's MCP endpoint: a stateless JSON-RPC tools/call. */
function mcpToolCall(target, headers) {
  const sent = {
    ...headers,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  return {
    server: target,
    origin: target.origin,
    request: () => ({ method: 'POST', path: '/mcp', headers: sent, body: MCP_TOOL_CALL }),
    expectStatus: 200,
    check: isMcpEcho,
  };
}

/** An unauthenticated call of a protected route: 401 with the RFC 6750 / RFC 9728 challenge. */
function challenge(target) {
  return {
    server: target,
    origin: target.origin,
    request: () => ({ method: 'GET', path: '/debug-token' }),
    expectStatus: 401,
    check: isChallenge,
  };
}

function liveness(target) {
  return {
    server: target,
    origin: target.origin,
    request: () => ({ method: 'GET', path: '/health/live' }),
    expectStatus: 200,
  };
}

module.exports = {
  AUDIENCE,
  ECHO_BODY,
  ask,
  challenge,
  isEcho,
  liveness,
  mcpToolCall,
  startBaseline,
  startChild,
  startGateway,
  stopChild,
  stopChildren,
  toolCall,
};
