import { describe, expect, it } from 'vitest';
import type { AnalysisReport, PairReport } from '@xtrace/proto';
import { PathMatcher } from '../../analysis/path-matcher.js';
import { TrafficBuilder } from '../../analysis/test-traffic.js';
import { probeReportFromPairReport } from '../pair-report-adapter.js';
import { ControllerMetrics } from './controller-metrics.js';
import { parseExposition } from './exposition-parser.js';
import type { ProbeReport } from '../probe-report.js';

const pair = { src: '10.0.0.1', dst: '10.0.0.2' };
const rep = (probeId: string, kind: ProbeReport['kind'], count: number, lost: number): ProbeReport => ({
  probeId,
  pair,
  kind,
  at: 0,
  segments: [{ from: 'a.nic_tx', to: 'b.nic_rx', kind: 'wire', count, p50_us: 100, p90_us: 100, p99_us: 100, max_us: 100, lost }],
});
const labels = { ...pair, kind: 'wire', segment: 'a.nic_tx>b.nic_rx' };

describe('ControllerMetrics.recordReport', () => {
  it('counts a probe once: intervals, then only what the summary adds', () => {
    const m = new ControllerMetrics();
    m.recordReport(rep('p1', 'interval', 10, 1));
    m.recordReport(rep('p1', 'interval', 5, 0));
    expect(m.segmentPackets.value(labels)).toBe(15);
    // the summary covers the whole probe: 15 already counted, 3 finalized at the end
    m.recordReport(rep('p1', 'summary', 18, 2));
    expect(m.segmentPackets.value(labels)).toBe(18);
    expect(m.segmentLost.value(labels)).toBe(2);
    // a probe with only a summary (shorter than the matcher's settle time) counts it whole
    m.recordReport(rep('p2', 'summary', 7, 0));
    expect(m.segmentPackets.value(labels)).toBe(25);
    expect(m.segmentQuantile.value({ ...labels, quantile: '0.5' })).toBeCloseTo(100e-6);
  });

  it('does not set quantile gauges from empty segments', () => {
    const m = new ControllerMetrics();
    const r = rep('p3', 'interval', 0, 0);
    r.segments[0]!.p50_us = Number.NaN;
    m.recordReport(r);
    expect(m.registry.render()).not.toMatch(/xtrace_segment_latency_quantile_seconds\{/);
  });

  it('the latency histogram: an interval with known latencies fills the right le buckets; the summary adds only the rest', () => {
    const pairReport = (a: AnalysisReport, final: boolean): PairReport => ({
      schema: 'xtrace.pair/v2', probe_id: 'h1', src: '10.0.0.1', dst: '10.0.0.2', proto: '', seq: 1, final, state: final ? 'done' : 'running',
      started_at_ms: 0, elapsed_ms: 0, no_traffic: false, message: '', table: '', hosts: [], ...a,
    });
    // one host, tap_rx -> tap_tx, each packet with a known latency
    const tb = new TrafficBuilder({ A: 1_000_000_000n });
    const packet = (id: number, latencyUs: number) =>
      tb.add({ id: BigInt(id), proto: 17, hops: [{ host: 'A', stage: 'tap_rx', t: id * 1e8 }, { host: 'A', stage: 'tap_tx', t: id * 1e8 + latencyUs * 1000 }] });
    [5, 40, 40, 900, 20_000].forEach((us, i) => packet(i + 1, us));
    const matcher = new PathMatcher({ hosts: ['A'], timeoutMs: 2000 });
    for (const b of tb.batches()) matcher.ingest(b, 0);
    const interval = matcher.takeIntervalReport(5000);
    const m = new ControllerMetrics();
    m.recordReport(probeReportFromPairReport(pairReport(interval, false)));

    const histogram = () => {
      const fam = parseExposition(m.registry.render()).get('xtrace_segment_latency_seconds')!;
      expect(fam.type).toBe('histogram');
      const mine = fam.samples.filter((x) => x.labels['segment'] === 'A.tap_rx>A.tap_tx');
      for (const x of mine) expect(x.labels).toMatchObject({ src: '10.0.0.1', dst: '10.0.0.2', kind: 'host' });
      const le = (v: string) => mine.find((x) => x.name.endsWith('_bucket') && x.labels['le'] === v)?.value;
      return {
        le,
        count: mine.find((x) => x.name.endsWith('_count'))?.value,
        sum: mine.find((x) => x.name.endsWith('_sum'))?.value,
        buckets: mine.filter((x) => x.name.endsWith('_bucket')).map((x) => x.value),
      };
    };
    let h = histogram();
    expect([h.le('0.000004'), h.le('0.000008'), h.le('0.000032'), h.le('0.000064'), h.le('0.000512'), h.le('0.001024'), h.le('0.016384'), h.le('0.032768'), h.le('+Inf')]).toEqual([
      0, 1, 1, 3, 3, 4, 4, 5, 5,
    ]);
    expect(h.buckets).toHaveLength(24); // 23 bounds + +Inf
    for (let i = 1; i < h.buckets.length; i++) expect(h.buckets[i]!).toBeGreaterThanOrEqual(h.buckets[i - 1]!);
    expect(h.count).toBe(5);
    expect(h.sum).toBeCloseTo(0.020985, 9);

    // one more packet finalized only at the end: the summary (whole probe) adds just that one
    packet(6, 3);
    for (const b of tb.batches()) matcher.ingest(b, 5000);
    m.recordReport(probeReportFromPairReport(pairReport(matcher.finish(10_000), true)));
    h = histogram();
    expect([h.le('0.000002'), h.le('0.000004'), h.le('0.000008'), h.le('+Inf')]).toEqual([0, 1, 2, 6]);
    expect(h.count).toBe(6);
    expect(h.sum).toBeCloseTo(0.020988, 9);
  });
});

describe('ControllerMetrics.followProbeSlots', () => {
  it('exports the probe slots\' running and queued pairs as read at each scrape', () => {
    const m = new ControllerMetrics();
    let stats = { running: 1, queued: 4 };
    m.followProbeSlots(() => stats);
    const scrape = (state: string) => parseExposition(m.registry.render()).get('xtrace_scheduled_pairs')?.samples.find((x) => x.labels['state'] === state)?.value;
    expect([scrape('running'), scrape('queued')]).toEqual([1, 4]);
    stats = { running: 2, queued: 0 };
    expect([scrape('running'), scrape('queued')]).toEqual([2, 0]);
  });
});
