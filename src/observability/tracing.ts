import { createHash } from 'node:crypto';

import { Span, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  SimpleSpanProcessor,
  SpanExporter,
} from '@opentelemetry/sdk-trace-node';

import type { FastifyRequest } from 'fastify';

import type { TracingSettings } from '../config/app.config';

export interface TracingHandle {
  /** Flushes pending spans and stops exporting. */
  shutdown(): Promise<void>;
}

/** Probes are polled every few seconds; tracing them would drown the traces that matter. */
const UNTRACED_PATHS = /^\/health(\/|$)/;

/**
 * Starts the OpenTelemetry SDK: W3C trace context in and out (`traceparent` accepted from callers, sent to
 * tool backends and the Management API), spans for incoming HTTP (node:http) and for
 * outgoing undici/fetch calls; createGateway names the server span after its route (traceRoute). Must run
 * before `http` is loaded (main.ts imports it first), since the instrumentations patch modules as they load.
 * `exporter` replaces OTLP (tests).
 */
export function startTracing(settings: TracingSettings, exporter?: SpanExporter): TracingHandle {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
    spanProcessors: [
      exporter
        ? new SimpleSpanProcessor(exporter)
        : new BatchSpanProcessor(
            new OTLPTraceExporter({ url: `${settings.endpoint.replace(/\/+$/, '')}/v1/traces` }),
          ),
    ],
  });
  // Registers the W3C traceparent/baggage propagator and the AsyncLocalStorage context manager.
  provider.register();
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? ''),
      }),
      new UndiciInstrumentation(),
    ],
  });
  return {
    shutdown: async () => {
      unregister();
      await provider.shutdown();
    },
  };
}

const tracer = trace.getTracer('connector-gateway');

/**
 * Runs `work` in a span named `name` when the request is being traced (a recording span is active), so
 * an untraced gateway pays one context lookup. The span records exceptions and ends when `work` settles.
 */
export async function inSpan<T>(
  name: string,
  attributes: () => Record<string, string>,
  work: (span?: Span) => Promise<T>,
): Promise<T> {
  if (!trace.getActiveSpan()?.isRecording()) return work();
  return tracer.startActiveSpan(name, { attributes: attributes() }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.name });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Called from createGateway's `onRequest` hook: the traced request's server span gets its route template
 * (`http.route`, and `POST /tools/:name` as its name), never the raw path with its tool name or ids.
 */
export function traceRoute(request: FastifyRequest): void {
  const span = trace.getActiveSpan();
  // First: Fastify's routeOptions getter builds a new object, which an untraced request does not need.
  if (!span?.isRecording()) return;
  const route = request.is404 ? undefined : request.routeOptions.url;
  if (route === undefined) return;
  span.setAttribute('http.route', route);
  span.updateName(`${request.method} ${route}`);
}

/** A stable, non-reversible stand-in for a subject in span attributes: traces never carry user ids. */
export function subjectHash(sub: string): string {
  return createHash('sha256').update(sub).digest('hex').slice(0, 16);
}
