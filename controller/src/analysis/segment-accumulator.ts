/**
 * Mergeable per-segment statistics (latency histogram, loss, drop reasons, wire uncertainty)
 * and their conversion to the report's SegmentReport.
 */
import { LogHistogram } from './log-histogram.js';
import { LATENCY_BUCKET_BOUNDS_US, type SegmentKind, type SegmentReport } from '@xtrace/proto';

export class SegmentAccumulator {
  readonly hist = new LogHistogram();
  lost = 0;
  readonly dropReasons = new Map<string, number>();
  /** wire: largest clock uncertainty applied to a sample, ns */
  uncertaintyNs = 0;
  /** wire: crossings without a clock offset */
  unresolved = 0;

  addDrop(reason: string): void {
    this.dropReasons.set(reason, (this.dropReasons.get(reason) ?? 0) + 1);
  }

  merge(o: SegmentAccumulator): void {
    this.hist.merge(o.hist);
    this.lost += o.lost;
    for (const [k, v] of o.dropReasons) this.dropReasons.set(k, (this.dropReasons.get(k) ?? 0) + v);
    if (o.uncertaintyNs > this.uncertaintyNs) this.uncertaintyNs = o.uncertaintyNs;
    this.unresolved += o.unresolved;
  }

  clone(): SegmentAccumulator {
    const c = new SegmentAccumulator();
    c.merge(this);
    return c;
  }
}

function usOrNull(ns: number): number | null {
  return Number.isFinite(ns) ? Math.round(ns) / 1000 : null;
}

interface SegmentLabel {
  from: string;
  to: string;
  from_host: string;
  to_host: string;
  kind: SegmentKind;
}

export function latencyFields(h: LogHistogram): Pick<
  SegmentReport,
  'count' | 'p50_us' | 'p90_us' | 'p95_us' | 'p99_us' | 'max_us' | 'min_us' | 'mean_us'
> {
  return {
    count: h.count,
    p50_us: usOrNull(h.quantile(0.5)),
    p90_us: usOrNull(h.quantile(0.9)),
    p95_us: usOrNull(h.quantile(0.95)),
    p99_us: usOrNull(h.quantile(0.99)),
    max_us: usOrNull(h.count ? h.max : NaN),
    min_us: usOrNull(h.count ? h.min : NaN),
    mean_us: usOrNull(h.mean()),
  };
}

const LATENCY_BUCKET_BOUNDS_NS = LATENCY_BUCKET_BOUNDS_US.map((us) => us * 1000);

export function toSegmentReport(label: SegmentLabel, acc: SegmentAccumulator, share: number): SegmentReport {
  const s: SegmentReport = {
    ...label,
    ...latencyFields(acc.hist),
    lost: acc.lost,
    drop_reasons: Object.fromEntries([...acc.dropReasons].sort((a, b) => b[1] - a[1])),
    share,
    histogram: { counts: acc.hist.countsAtBounds(LATENCY_BUCKET_BOUNDS_NS), sum_us: Math.round(acc.hist.sum) / 1000 },
  };
  if (label.kind === 'wire') {
    s.uncertainty_us = Math.round(acc.uncertaintyNs) / 1000;
    if (acc.unresolved > 0) s.unresolved = acc.unresolved;
  }
  return s;
}
