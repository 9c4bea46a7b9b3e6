// A gateway in its own process with the OpenTelemetry SDK started first (as main.ts does) and an in-memory
// exporter; the parent asks for the finished spans over IPC. Runs the built tree (npm test builds first).
const { InMemorySpanExporter } = require('@opentelemetry/sdk-trace-node');
const { startTracing } = require('../../dist/observability/tracing');

const exporter = new InMemorySpanExporter();
startTracing({ endpoint: 'http://127.0.0.1:9', serviceName: 'connector-gateway-test' }, exporter);

const { createGateway } = require('../../dist/gateway');

const env = JSON.parse(process.env.GATEWAY_ENV);
createGateway({ env, json: true })
  .then((app) => app.listen(Number(env.PORT), '127.0.0.1'))
  .then(() => process.send({ ready: true }))
  .catch((error) => {
    process.stderr.write(`traced gateway failed: ${error.message}\n`);
    process.exit(1);
  });

process.on('message', (message) => {
  if (message !== 'spans') return;
  process.send({
    spans: exporter.getFinishedSpans().map((span) => ({
      name: span.name,
      kind: span.kind,
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
      parentSpanId: span.parentSpanContext?.spanId,
      attributes: span.attributes,
    })),
  });
});
process.on('disconnect', () => process.exit(0));
