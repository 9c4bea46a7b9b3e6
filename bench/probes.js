'use strict';
// Questions the bench parent may ask a server child over IPC, answered with the same `type`:
// - `mark`: the child's monotonic clock in µs (the clock of --cpu-prof timestamps), so that bench/profile.js
//   can keep only the samples taken under load;
// - `memory`: process.memoryUsage() after a full GC when the child runs with --expose-gc;
// - `cpu`: process.cpuUsage() in µs, so that a round can report the server's CPU time per request (far
//   steadier than req/s on a shared machine: other jobs steal wall time, much less CPU time).

function answerProbes() {
  process.on('message', (message) => {
    if (message?.type === 'mark') {
      process.send({ type: 'mark', us: Number(process.hrtime.bigint() / 1000n) });
    } else if (message?.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send({ type: 'cpu', us: user + system });
    } else if (message?.type === 'memory') {
      const gc = globalThis.gc;
      if (typeof gc === 'function') {
        gc();
        gc();
      }
      process.send({ type: 'memory', afterGc: typeof gc === 'function', ...process.memoryUsage() });
    }
  });
}

module.exports = { answerProbes };
