// Cost of counting one request: the gateway's metric cells (src/observability/metric-family.ts) against
// prom-client's own labelled children, in ns per operation. Run after `npm run build`:
//   node bench/metric-cells.js
const { Counter, Registry } = require('prom-client');
const { GatewayMetrics } = require('../dist/observability/gateway-metrics');

const N = 5_000_000;
const metrics = new GatewayMetrics();
const counter = new Counter({
  name: 'x_total',
  help: 'x',
  labelNames: ['route', 'method', 'status'],
  registers: [new Registry()],
});
const child = counter.labels('/tools/:name', 'POST', '200');

function time(label, operation) {
  for (let i = 0; i < 100_000; i++) operation();
  const started = process.hrtime.bigint();
  for (let i = 0; i < N; i++) operation();
  const ns = Number(process.hrtime.bigint() - started) / N;
  process.stdout.write(`${label.padEnd(52)} ${ns.toFixed(1)} ns/op\n`);
}

for (let round = 1; round <= 2; round++) {
  process.stdout.write(`round ${round}\n`);
  time('gateway: cell(route, method, status).inc()', () =>
    metrics.httpRequests.cell('/tools/:name', 'POST', 200).inc(),
  );
  time('gateway: histogram cell(...).observe()', () =>
    metrics.httpDuration.cell('/tools/:name', 'POST', 200).observe(0.0042),
  );
  time('prom-client: labels(...).inc()', () => counter.labels('/tools/:name', 'POST', '200').inc());
  time('prom-client: pre-bound child.inc()', () => child.inc());
}
