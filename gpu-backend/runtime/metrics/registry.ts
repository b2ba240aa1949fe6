/**
 * A small Prometheus metrics registry: counters, gauges and histograms with fixed label names,
 * rendered in the text exposition format 0.0.4.
 *
 * Label values come from closed sets chosen by the code (never from request data), so the number
 * of series per metric stays bounded.
 */

type LabelValues = Readonly<Record<string, string>>;

interface Metric {
  readonly name: string;
  render(): string[];
}

function labelKey(labelNames: readonly string[], labels: LabelValues): string {
  return labelNames.map((name) => {
    const value = labels[name];
    if (value === undefined) throw new Error(`missing label ${name}`);
    return value;
  }).join('\u0000');
}

function formatLabels(labelNames: readonly string[], key: string, extra?: [string, string]): string {
  const values = key === '' && labelNames.length === 0 ? [] : key.split('\u0000');
  const pairs = labelNames.map((name, i) => `${name}="${escapeLabel(values[i]!)}"`);
  if (extra) pairs.push(`${extra[0]}="${extra[1]}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');
}

function formatNumber(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

export class Counter implements Metric {
  private readonly values = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
  ) {}

  inc(labels: LabelValues = {}, amount = 1): void {
    if (amount < 0) throw new RangeError(`counter ${this.name} cannot decrease (amount ${amount})`);
    const key = labelKey(this.labelNames, labels);
    this.values.set(key, (this.values.get(key) ?? 0) + amount);
  }

  get(labels: LabelValues = {}): number {
    return this.values.get(labelKey(this.labelNames, labels)) ?? 0;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, value] of this.values) lines.push(`${this.name}${formatLabels(this.labelNames, key)} ${formatNumber(value)}`);
    return lines;
  }
}

/** A gauge whose value is read from the running system when the registry renders. */
export class CallbackGauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number,
  ) {}

  render(): string[] {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${formatNumber(this.read())}`];
  }
}

interface HistogramSeries {
  /** Non-cumulative count per bucket; the last entry is the +Inf bucket. */
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram implements Metric {
  private readonly series = new Map<string, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    /** Upper bounds, strictly increasing; +Inf is added. */
    readonly buckets: readonly number[],
    readonly labelNames: readonly string[] = [],
  ) {
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i]! > buckets[i - 1]!)) throw new RangeError(`histogram ${name}: buckets must increase strictly`);
    }
  }

  observe(value: number, labels: LabelValues = {}): void {
    const key = labelKey(this.labelNames, labels);
    let series = this.series.get(key);
    if (series === undefined) {
      series = { counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
      this.series.set(key, series);
    }

    let bucket = this.buckets.findIndex((bound) => value <= bound);
    if (bucket < 0) bucket = this.buckets.length;
    series.counts[bucket]!++;
    series.sum += value;
    series.count++;
  }

  /** Returns the sum and count of observations with these labels. */
  get(labels: LabelValues = {}): { sum: number; count: number } {
    const series = this.series.get(labelKey(this.labelNames, labels));
    return { sum: series?.sum ?? 0, count: series?.count ?? 0 };
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [key, series] of this.series) {
      let cumulative = 0;
      const bounds = [...this.buckets, Number.POSITIVE_INFINITY];
      bounds.forEach((bound, i) => {
        cumulative += series.counts[i]!;
        lines.push(`${this.name}_bucket${formatLabels(this.labelNames, key, ['le', formatNumber(bound)])} ${cumulative}`);
      });
      lines.push(`${this.name}_sum${formatLabels(this.labelNames, key)} ${formatNumber(series.sum)}`);
      lines.push(`${this.name}_count${formatLabels(this.labelNames, key)} ${series.count}`);
    }
    return lines;
  }
}

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();

  register<T extends Metric>(metric: T): T {
    if (this.metrics.has(metric.name)) throw new Error(`metric ${metric.name} is already registered`);
    this.metrics.set(metric.name, metric);
    return metric;
  }

  /** Renders every metric in the Prometheus text format, ending with a newline. */
  render(): string {
    const lines: string[] = [];
    for (const metric of this.metrics.values()) lines.push(...metric.render());
    return lines.join('\n') + '\n';
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
