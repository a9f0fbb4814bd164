/**
 * A tiny Prometheus registry: counters, gauges and histograms with labels, rendered in the
 * text exposition format 0.0.4 (`# HELP`, `# TYPE`, escaped label values, cumulative
 * `_bucket{le=...}` with `+Inf`, `_sum`, `_count`). Generic: the node agent can reuse it.
 */
import { XtraceError } from '@xtrace/proto';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type Labels = Record<string, string | number>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export class MetricsError extends XtraceError {
  constructor(message: string) {
    super('internal', message);
  }
}

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

function renderLabels(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const parts = names.map((n, i) => `${n}="${escapeLabelValue(values[i] as string)}"`);
  if (extra !== undefined) parts.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

export interface MetricOptions {
  name: string;
  help: string;
  labelNames?: readonly string[];
}

abstract class Metric<S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  protected readonly series = new Map<string, { values: string[]; state: S }>();
  abstract readonly type: 'counter' | 'gauge' | 'histogram';

  constructor(o: MetricOptions, reserved: readonly string[] = []) {
    if (!METRIC_NAME.test(o.name)) throw new MetricsError(`invalid metric name "${o.name}"`);
    this.name = o.name;
    this.help = o.help;
    this.labelNames = o.labelNames ?? [];
    for (const l of this.labelNames) {
      if (!LABEL_NAME.test(l) || l.startsWith('__') || reserved.includes(l)) throw new MetricsError(`${o.name}: invalid label name "${l}"`);
    }
    if (new Set(this.labelNames).size !== this.labelNames.length) throw new MetricsError(`${o.name}: duplicate label names`);
  }

  protected abstract initial(): S;

  protected get(labels: Labels = {}): S {
    const keys = Object.keys(labels);
    if (keys.length !== this.labelNames.length || !this.labelNames.every((n) => n in labels)) {
      throw new MetricsError(`${this.name}: expected labels {${this.labelNames.join(',')}}, got {${keys.join(',')}}`);
    }
    const values = this.labelNames.map((n) => String(labels[n]));
    const key = values.join('\u0000');
    let s = this.series.get(key);
    if (s === undefined) this.series.set(key, (s = { values, state: this.initial() }));
    return s.state;
  }

  /** Forget one series (e.g. a pair no longer probed) or all. */
  remove(labels?: Labels): void {
    if (labels === undefined) {
      this.series.clear();
      return;
    }
    this.series.delete(this.labelNames.map((n) => String(labels[n])).join('\u0000'));
  }

  header(): string {
    return `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${this.type}\n`;
  }

  abstract render(): string;
}

export class Counter extends Metric<{ v: number }> {
  readonly type = 'counter';
  protected initial() {
    return { v: 0 };
  }
  inc(labels?: Labels, by = 1): void {
    if (!(by >= 0)) throw new MetricsError(`${this.name}: counters only go up (inc by ${by})`);
    this.get(labels).v += by;
  }
  value(labels?: Labels): number {
    return this.get(labels).v;
  }
  render(): string {
    let out = this.header();
    for (const { values, state } of this.series.values()) out += `${this.name}${renderLabels(this.labelNames, values)} ${formatValue(state.v)}\n`;
    return out;
  }
}

export class Gauge extends Metric<{ v: number }> {
  readonly type = 'gauge';
  protected initial() {
    return { v: 0 };
  }
  set(labels: Labels | undefined, v: number): void {
    this.get(labels).v = v;
  }
  inc(labels?: Labels, by = 1): void {
    this.get(labels).v += by;
  }
  dec(labels?: Labels, by = 1): void {
    this.get(labels).v -= by;
  }
  value(labels?: Labels): number {
    return this.get(labels).v;
  }
  render(): string {
    let out = this.header();
    for (const { values, state } of this.series.values()) out += `${this.name}${renderLabels(this.labelNames, values)} ${formatValue(state.v)}\n`;
    return out;
  }
}

export interface HistogramOptions extends MetricOptions {
  /** upper bounds, ascending; `+Inf` is implied */
  buckets: readonly number[];
}

export class Histogram extends Metric<{ counts: number[]; sum: number; count: number }> {
  readonly type = 'histogram';
  readonly buckets: readonly number[];

  constructor(o: HistogramOptions) {
    super(o, ['le']);
    const b = o.buckets.filter((x) => x !== Number.POSITIVE_INFINITY);
    if (b.length === 0) throw new MetricsError(`${o.name}: a histogram needs buckets`);
    for (let i = 1; i < b.length; i++) if (!((b[i] as number) > (b[i - 1] as number))) throw new MetricsError(`${o.name}: buckets must increase`);
    this.buckets = b;
  }

  protected initial() {
    return { counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 };
  }

  observe(labels: Labels | undefined, v: number, times = 1): void {
    const s = this.get(labels);
    // counts per bucket (not cumulative); cumulated when rendered
    const i = this.buckets.findIndex((b) => v <= b);
    if (i >= 0) s.counts[i] = (s.counts[i] as number) + times;
    s.sum += v * times;
    s.count += times;
  }

  /**
   * Add pre-bucketed observations: `counts[i]` in bucket i (not cumulative), one entry per
   * bucket plus the last for above the highest bound; `sum` is their total.
   */
  addCounts(labels: Labels | undefined, counts: readonly number[], sum: number): void {
    if (counts.length !== this.buckets.length + 1) {
      throw new MetricsError(`${this.name}: counts has ${counts.length} entries, expected ${this.buckets.length + 1} (one per bucket and +Inf)`);
    }
    const s = this.get(labels);
    for (let i = 0; i < this.buckets.length; i++) s.counts[i] = (s.counts[i] as number) + (counts[i] as number);
    for (const c of counts) s.count += c;
    s.sum += sum;
  }

  snapshot(labels?: Labels): { buckets: { le: number; count: number }[]; sum: number; count: number } {
    const s = this.get(labels);
    let acc = 0;
    const buckets = this.buckets.map((le, i) => ({ le, count: (acc += s.counts[i] as number) }));
    buckets.push({ le: Number.POSITIVE_INFINITY, count: s.count });
    return { buckets, sum: s.sum, count: s.count };
  }

  render(): string {
    let out = this.header();
    for (const { values, state } of this.series.values()) {
      let acc = 0;
      this.buckets.forEach((le, i) => {
        acc += state.counts[i] as number;
        out += `${this.name}_bucket${renderLabels(this.labelNames, values, ['le', formatValue(le)])} ${acc}\n`;
      });
      out += `${this.name}_bucket${renderLabels(this.labelNames, values, ['le', '+Inf'])} ${state.count}\n`;
      out += `${this.name}_sum${renderLabels(this.labelNames, values)} ${formatValue(state.sum)}\n`;
      out += `${this.name}_count${renderLabels(this.labelNames, values)} ${state.count}\n`;
    }
    return out;
  }
}

/** `count` buckets from `start`, each `factor` times the previous. */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0, v = start; i < count; i++, v *= factor) out.push(Number(v.toPrecision(12)));
  return out;
}

export class MetricsRegistry {
  private readonly metrics = new Map<string, Counter | Gauge | Histogram>();
  private readonly collectors: (() => void)[] = [];

  private add<M extends Counter | Gauge | Histogram>(m: M): M {
    if (this.metrics.has(m.name)) throw new MetricsError(`metric ${m.name} is already registered`);
    this.metrics.set(m.name, m);
    return m;
  }

  counter(o: MetricOptions): Counter {
    return this.add(new Counter(o));
  }
  gauge(o: MetricOptions): Gauge {
    return this.add(new Gauge(o));
  }
  histogram(o: HistogramOptions): Histogram {
    return this.add(new Histogram(o));
  }

  /** Called before every render (to refresh gauges computed at scrape time). */
  onCollect(f: () => void): void {
    this.collectors.push(f);
  }

  get(name: string): Counter | Gauge | Histogram | undefined {
    return this.metrics.get(name);
  }

  render(): string {
    for (const c of this.collectors) c();
    return [...this.metrics.values()].map((m) => m.render()).join('');
  }
}
