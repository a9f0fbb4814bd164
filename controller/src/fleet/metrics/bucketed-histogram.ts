/**
 * A prom-client histogram fed with observations already bucketed: a report's segment carries
 * its latencies as counts per bucket and a sum (LatencyHistogram, proto/src/report.ts), and
 * prom-client's Histogram only takes single observed values (one call per packet, and no way
 * to give the sum the report measured). The series are kept here; the family, its `le`
 * buckets and the text are prom-client's (its Registry renders getForPromString()'s samples).
 */
import { Histogram, type HistogramConfiguration, type LabelValues } from 'prom-client';
import { XtraceError } from '@xtrace/proto';

export class MetricsError extends XtraceError {
  constructor(message: string) {
    super('internal', message);
  }
}

interface Series<T extends string> {
  labels: LabelValues<T>;
  /** per bucket, not cumulative; the last entry: above the highest bound */
  counts: number[];
  sum: number;
  count: number;
}

function checkBuckets<C extends { name: string; buckets: number[] }>(config: C): C {
  const b = config.buckets;
  if (b.length === 0) throw new MetricsError(`${config.name}: a histogram needs buckets`);
  for (let i = 1; i < b.length; i++) if (!((b[i] as number) > (b[i - 1] as number))) throw new MetricsError(`${config.name}: buckets must increase`);
  return config;
}

/** a sample as prom-client's Histogram hands it to its Registry (series labels in `sharedLabels` there; all in `labels` here) */
interface Sample {
  metricName: string;
  labels: LabelValues<string>;
  sharedLabels: LabelValues<string>;
  value: number;
}

export class BucketedHistogram<T extends string = string> extends Histogram<T> {
  private readonly family: { name: string; help: string; labelNames: readonly T[]; bounds: readonly number[] };
  private readonly series = new Map<string, Series<T>>();

  constructor(config: HistogramConfiguration<T> & { buckets: number[] }) {
    super(checkBuckets(config)); // before super() registers it
    this.family = { name: config.name, help: config.help, labelNames: config.labelNames ?? [], bounds: [...config.buckets] };
    // prom-client's own observe (and startTimer, through it) would count into state this class does not render
    this.observe = () => {
      throw new MetricsError(`${config.name}: fed with addCounts only`);
    };
  }

  /**
   * Add pre-bucketed observations: `counts[i]` in bucket i (not cumulative), one entry per
   * bucket plus the last for above the highest bound; `sum` is their total.
   */
  addCounts(labels: LabelValues<T>, counts: readonly number[], sum: number): void {
    const { name, bounds } = this.family;
    if (counts.length !== bounds.length + 1) {
      throw new MetricsError(`${name}: counts has ${counts.length} entries, expected ${bounds.length + 1} (one per bucket and +Inf)`);
    }
    const s = this.seriesOf(labels);
    counts.forEach((c, i) => {
      s.counts[i] = (s.counts[i] as number) + c;
      s.count += c;
    });
    s.sum += sum;
  }

  /**
   * The samples, as prom-client's Histogram gives them (cumulative `_bucket{le}`, `+Inf`,
   * `_sum`, `_count`) from its own state: prom-client's Registry renders a metric from this
   * method when it has one, and Histogram.get() (JSON) reads it too.
   */
  async getForPromString(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: Sample[] }> {
    const { name, help, bounds } = this.family;
    const values: Sample[] = [];
    const sample = (suffix: string, labels: LabelValues<string>, value: number) => values.push({ metricName: `${name}${suffix}`, labels, sharedLabels: {}, value });
    for (const s of this.series.values()) {
      let acc = 0;
      bounds.forEach((le, i) => sample('_bucket', { ...s.labels, le }, (acc += s.counts[i] as number)));
      sample('_bucket', { ...s.labels, le: '+Inf' }, s.count);
      sample('_sum', s.labels, s.sum);
      sample('_count', s.labels, s.count);
    }
    return { name, help, type: 'histogram', aggregator: 'sum', values };
  }

  override reset(): void {
    super.reset();
    // prom-client's constructor resets before this class's fields exist
    this.series?.clear();
  }

  /** Forget one series (by labels, or by label values in declared order). */
  override remove(...values: string[]): void;
  override remove(labels: LabelValues<T>): void;
  override remove(...args: unknown[]): void {
    this.series.delete(this.keyOf(this.labelsOf(args)));
  }

  /** Start a series at zero. */
  override zero(labels: LabelValues<T>): void {
    this.seriesOf(labels);
  }

  /** prom-client's child histograms observe into its own state: not offered. */
  override labels(...values: string[]): Histogram.Internal<T>;
  override labels(labels: LabelValues<T>): Histogram.Internal<T>;
  override labels(): Histogram.Internal<T> {
    throw new MetricsError(`${this.family.name}: fed with addCounts only`);
  }

  private labelsOf(args: unknown[]): LabelValues<T> {
    const [first] = args;
    if (typeof first === 'object' && first !== null) return first as LabelValues<T>;
    return Object.fromEntries(this.family.labelNames.map((n, i) => [n, String(args[i])])) as LabelValues<T>;
  }

  private keyOf(labels: LabelValues<T>): string {
    const { name, labelNames } = this.family;
    const given = Object.keys(labels);
    if (given.length !== labelNames.length || !labelNames.every((n) => n in labels)) {
      throw new MetricsError(`${name}: expected labels {${labelNames.join(',')}}, got {${given.join(',')}}`);
    }
    return labelNames.map((n) => String(labels[n])).join('\u0000');
  }

  private seriesOf(labels: LabelValues<T>): Series<T> {
    const key = this.keyOf(labels);
    let s = this.series.get(key);
    if (s === undefined) {
      // label order as declared (the order the text shows them in)
      const ordered = Object.fromEntries(this.family.labelNames.map((n) => [n, labels[n]])) as LabelValues<T>;
      this.series.set(key, (s = { labels: ordered, counts: new Array<number>(this.family.bounds.length + 1).fill(0), sum: 0, count: 0 }));
    }
    return s;
  }
}
