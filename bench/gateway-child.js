'use strict';
// One gateway per process (so that each stack has its own event loop, as in production): bench/run.js forks
// this file with the gateway's whole configuration in the child's environment. The child reports { type: 'ready', port } or { type: 'error', message } over IPC and exits
// when the parent goes away.

const path = require('node:path');

const { answerProbes } = require('./probes');

async function main() {
  const port = Number(process.env.PORT);
  if (!Number.isInteger(port) || port <= 0) throw new Error('gateway-child: PORT must be set by the parent');
  // BENCH_GATEWAY_DIST: another build of the gateway (e.g. a worktree of an earlier commit) to compare with.
  const dist = process.env.BENCH_GATEWAY_DIST || path.join(__dirname, '..', 'dist');
  const { createGateway } = require(path.join(dist, 'gateway'));
  const app = await createGateway({ env: process.env, json: true });
  await app.listen(port, '127.0.0.1');
  answerProbes();
  process.send({ type: 'ready', port });
  const stop = async () => {
    // Keep-alive sockets of the load generator may hold close() open: give it a moment, then leave.
    setTimeout(() => process.exit(0), 1000).unref();
    try {
      await app.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('disconnect', stop);
  process.on('message', (message) => {
    if (message && message.type === 'stop') void stop();
  });
}

if (!process.send) {
  console.error('gateway-child.js is started by bench/run.js (child_process.fork), not directly');
  process.exit(2);
}

main().catch((error) => {
  process.send({ type: 'error', message: error && error.stack ? error.stack : String(error) });
  process.exit(1);
});
