import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Gauge, Metric, Registry } from 'prom-client';

import { CounterFamily, HistogramFamily } from './metric-family';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Process metrics (CPU, memory, event loop, GC) are per process, so they are collected once per process. */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * Every metric the gateway exports. One instance per application (tests run several gateways in one
 * process), served on the admin port as Prometheus text. Callers keep the cells they use on hot paths.
 */
@Injectable()
export class GatewayMetrics {
  readonly httpRequests = new CounterFamily(
    'http_requests_total',
    'HTTP requests answered, by route template',
    ['route', 'method', 'status'],
  );
  readonly httpDuration = new HistogramFamily(
    'http_request_duration_seconds',
    'Time from the request reaching the gateway to the end of its answer, by route template',
    ['route', 'method', 'status'],
    LATENCY_BUCKETS,
  );
  readonly authFailures = new CounterFamily('auth_failures_total', 'Refused authentications, by error code', [
    'code',
  ]);
  readonly tokenCacheHits = new CounterFamily(
    'token_cache_hits_total',
    'Bearer tokens found in the verified-token cache',
  );
  readonly tokenCacheMisses = new CounterFamily(
    'token_cache_misses_total',
    'Bearer tokens not in the verified-token cache (verified with the JWKS)',
  );
  readonly jwksFetches = new CounterFamily('jwks_fetches_total', "Fetches of the issuer's JWKS, by outcome", [
    'outcome',
  ]);
  readonly toolCalls = new CounterFamily(
    'tool_calls_total',
    'Tool calls (REST and MCP), by tool and outcome',
    ['tool', 'outcome'],
  );
  readonly upstreamDuration = new HistogramFamily(
    'upstream_duration_seconds',
    'Duration of calls to tool backends, by tool',
    ['tool'],
    LATENCY_BUCKETS,
  );
  readonly mcpRequests = new CounterFamily(
    'mcp_requests_total',
    'MCP JSON-RPC messages received, by method',
    ['method'],
  );
  readonly dcrPreparations = new CounterFamily(
    'dcr_preparations_total',
    'DCR client preparations, by outcome and tenant mode',
    ['outcome', 'mode'],
  );
  readonly dcrReconciliations = new CounterFamily(
    'dcr_reconciliations_total',
    'Reconciler passes run by this replica (with REDIS_URL only the lease holder runs them), by outcome',
    ['outcome'],
  );
  readonly dcrWebhookEvents = new CounterFamily(
    'dcr_webhook_events_total',
    'Auth0 log-stream events received on the webhook, by kind',
    ['kind'],
  );
  readonly managementApiRequests = new CounterFamily(
    'management_api_requests_total',
    'Requests to the Auth0 Management API, by HTTP status (0 = no answer)',
    ['status'],
  );
  readonly rateLimited = new CounterFamily('rate_limited_total', 'Requests refused with 429, by limit', [
    'scope',
  ]);
  readonly redisErrors = new CounterFamily(
    'redis_errors_total',
    'Redis operations that failed (the gateway carried on without Redis), by use',
    ['use'],
  );

  /** Set when the reconciler starts or stops leading, never on a request path: a plain prom-client gauge. */
  readonly dcrReconcilerLeader = new Gauge({
    name: 'dcr_reconciler_leader',
    help: 'Whether this replica runs the DCR reconciler: 1 while it holds the lease (or runs alone without REDIS_URL), else 0',
    registers: [],
  });

  private readonly registry = new Registry();

  constructor() {
    for (const family of Object.values(this)) {
      if (family instanceof CounterFamily || family instanceof HistogramFamily || family instanceof Gauge) {
        this.registry.registerMetric(family as unknown as Metric);
      }
    }
  }

  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;

  /** The Prometheus text exposition of the gateway's and the process's metrics. */
  async render(): Promise<string> {
    return `${await this.registry.metrics()}\n${await processMetrics().metrics()}`;
  }
}
