import { tracingSettings } from '../config/app.config';
import { readEnvironment } from '../config/env-file';
import { startTracing, TracingHandle } from './tracing';

/**
 * Imported first by main.ts, before anything loads `http` or `express`: starts the OpenTelemetry SDK when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set. Tests and other embedders call startTracing() themselves.
 */
const settings = tracingSettings(readEnvironment());
export const tracing: TracingHandle | undefined = settings ? startTracing(settings) : undefined;
