'use strict';
// Lifecycle shared by the baseline servers: bench/run.js forks them with their settings in the
// environment; each reports { type: 'ready', port } (or { type: 'error', message }) over IPC and leaves
// when the parent goes away.

const { Agent } = require('undici');

const { answerProbes } = require('../probes');

/** The same pool settings as the gateway's UpstreamClient, so no baseline wins on connection reuse. */
function upstreamAgent() {
  return new Agent({ keepAliveTimeout: 10_000, connections: 128 });
}

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set by bench/run.js`);
  return value;
}

/** `start()` listens on 127.0.0.1 (port 0) and resolves to the bound port. */
function runChild(file, start) {
  if (!process.send) {
    console.error(`${file} is started by bench/run.js (child_process.fork), not directly`);
    process.exit(2);
  }
  // Keep-alive sockets would hold a close open; the parent is gone, so just leave.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message) => {
    if (message && message.type === 'stop') process.exit(0);
  });
  start().then(
    (port) => {
      answerProbes();
      process.send({ type: 'ready', port });
    },
    (error) => {
      process.send({ type: 'error', message: error && error.stack ? error.stack : String(error) });
      process.exit(1);
    },
  );
}

module.exports = { runChild, requiredEnv, upstreamAgent };
