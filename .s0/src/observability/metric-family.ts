type LabelValue = string | number;
type Labels = Record<string, LabelValue>;

/** What prom-client's Registry reads from a metric when it renders the text format. */
export interface RenderedMetric {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: Array<{ metricName?: string; labels: Labels; value: number }>;
}

/** One labelled series of a counter; incrementing it is a field update. */
export class CounterCell {
  value = 0;

  constructor(readonly labels: Labels) {}

  inc(by = 1): void {
    this.value += by;
  }
}

/** One labelled series of a histogram: cumulative bucket counts are computed at scrape time. */
export class HistogramCell {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]) {
        this.counts[i] += 1;
        return;
      }
    }
  }
}

/**
 * A metric whose series are created once per label combination and then kept, so the hot path does
 * a few Map lookups and a field update: no label hashing or string building per request (prom-client's
 * own `labels()` hashes the label set on every `inc`). The registry renders it at scrape time.
 * Label values must come from bounded sets (route templates, tool names, error codes).
 */
abstract class MetricFamily<C> {
  readonly aggregator = 'sum' as const;
  private readonly cells = new Map<LabelValue, unknown>();
  protected readonly all: C[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: RenderedMetric['type'],
    private readonly labelNames: readonly string[],
  ) {}

  /** The series for these label values (in labelNames order), created on first use. */
  cell(a?: LabelValue, b?: LabelValue, c?: LabelValue): C {
    const depth = this.labelNames.length;
    if (depth === 0) return (this.all[0] ??= this.create({}));
    let level = this.cells;
    if (depth > 1) level = branch(level, a as LabelValue);
    if (depth > 2) level = branch(level, b as LabelValue);
    const last = (depth === 1 ? a : depth === 2 ? b : c) as LabelValue;
    return (level.get(last) as C | undefined) ?? this.add(level, last, [a, b, c]);
  }

  private add(level: Map<LabelValue, unknown>, key: LabelValue, values: Array<LabelValue | undefined>): C {
    const labels: Labels = {};
    this.labelNames.forEach((name, i) => (labels[name] = values[i] as LabelValue));
    const created = this.create(labels);
    level.set(key, created);
    this.all.push(created);
    return created;
  }

  protected abstract create(labels: Labels): C;
  abstract get(): Promise<RenderedMetric>;
}

function branch(level: Map<LabelValue, unknown>, key: LabelValue): Map<LabelValue, unknown> {
  let next = level.get(key) as Map<LabelValue, unknown> | undefined;
  if (!next) level.set(key, (next = new Map()));
  return next;
}

export class CounterFamily extends MetricFamily<CounterCell> {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, 'counter', labelNames);
  }

  protected create(labels: Labels): CounterCell {
    return new CounterCell(labels);
  }

  async get(): Promise<RenderedMetric> {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.all.map((cell) => ({ labels: cell.labels, value: cell.value })),
    };
  }
}

export class HistogramFamily extends MetricFamily<HistogramCell> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly bounds: readonly number[],
  ) {
    super(name, help, 'histogram', labelNames);
  }

  protected create(labels: Labels): HistogramCell {
    return new HistogramCell(labels, this.bounds);
  }

  async get(): Promise<RenderedMetric> {
    const values: RenderedMetric['values'] = [];
    for (const cell of this.all) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += cell.counts[i];
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { ...cell.labels, le: bound },
          value: cumulative,
        });
      });
      values.push({
        metricName: `${this.name}_bucket`,
        labels: { ...cell.labels, le: '+Inf' },
        value: cell.count,
      });
      values.push({ metricName: `${this.name}_sum`, labels: cell.labels, value: cell.sum });
      values.push({ metricName: `${this.name}_count`, labels: cell.labels, value: cell.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
