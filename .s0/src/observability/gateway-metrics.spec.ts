import { GatewayMetrics } from './gateway-metrics';
import { CounterFamily, HistogramFamily } from './metric-family';

describe('GatewayMetrics', () => {
  it('renders counters by label values in the Prometheus text format, with the process metrics', async () => {
    const metrics = new GatewayMetrics();
    const cell = metrics.toolCalls.cell('search', 'ok');
    cell.inc();
    cell.inc();
    metrics.toolCalls.cell('search', 'UPSTREAM_TIMEOUT').inc();
    metrics.tokenCacheHits.cell().inc(3);

    const text = await metrics.render();

    expect(text).toContain('# TYPE tool_calls_total counter');
    expect(text).toContain('tool_calls_total{tool="search",outcome="ok"} 2');
    expect(text).toContain('tool_calls_total{tool="search",outcome="UPSTREAM_TIMEOUT"} 1');
    expect(text).toContain('token_cache_hits_total 3');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('keeps one series per label combination: the same cell comes back for the same values', () => {
    const family = new CounterFamily('x_total', 'x', ['route', 'method', 'status']);
    const a = family.cell('/tools/:name', 'POST', 200);
    expect(family.cell('/tools/:name', 'POST', 200)).toBe(a);
    expect(family.cell('/tools/:name', 'POST', 404)).not.toBe(a);
    expect(family.cell('/mcp', 'POST', 200)).not.toBe(a);
  });

  it('renders histograms with cumulative buckets, +Inf, sum and count', async () => {
    const family = new HistogramFamily('d_seconds', 'd', ['tool'], [0.1, 1]);
    const cell = family.cell('search');
    cell.observe(0.05);
    cell.observe(0.5);
    cell.observe(7);

    const { values } = await family.get();

    const value = (metricName: string, le?: number | string): number | undefined =>
      values.find((v) => v.metricName === metricName && v.labels.le === le)?.value;
    expect(value('d_seconds_bucket', 0.1)).toBe(1);
    expect(value('d_seconds_bucket', 1)).toBe(2);
    expect(value('d_seconds_bucket', '+Inf')).toBe(3);
    expect(value('d_seconds_sum')).toBeCloseTo(7.55);
    expect(value('d_seconds_count')).toBe(3);
  });

  it('keeps the metrics of two applications in one process apart', async () => {
    const first = new GatewayMetrics();
    const second = new GatewayMetrics();
    first.rateLimited.cell('subject').inc();

    expect(await first.render()).toContain('rate_limited_total{scope="subject"} 1');
    expect(await second.render()).not.toContain('rate_limited_total{scope="subject"}');
  });
});
