import { describe, expect, it } from 'vitest';
import type { AnalysisReport, PairReport } from '@xtrace/proto';
import { samplePairReport } from '@xtrace/proto/testing';
import { PathMatcher } from '../../analysis/path-matcher.js';
import { TrafficBuilder } from '../../../../test/support/matcher-traffic.js';
import { probeReportFromPairReport } from '../pair-report-adapter.js';
import type { Counter, Gauge } from 'prom-client';
import { ControllerMetrics } from './controller-metrics.js';
import type { ProbeReport } from '../probe-report.js';

/** The registry's families as prom-client reports them (getMetricsAsJSON), label values as the text writes them. */
async function families(m: ControllerMetrics): Promise<Map<string, { type: string; samples: { name: string; labels: Record<string, string>; value: number }[] }>> {
  const out = new Map<string, { type: string; samples: { name: string; labels: Record<string, string>; value: number }[] }>();
  for (const f of await m.registry.getMetricsAsJSON()) {
    const samples = f.values.map((v) => ({
      name: (v as { metricName?: string }).metricName ?? f.name,
      labels: Object.fromEntries(Object.entries(v.labels).map(([k, x]) => [k, String(x)])),
      value: v.value,
    }));
    out.set(f.name, { type: String(f.type), samples });
  }
  return out;
}

/** One series' value (undefined: no such series). */
async function valueOf(metric: Counter | Gauge, labels: Record<string, string>): Promise<number | undefined> {
  const matches = (l: Record<string, unknown>) => Object.keys(l).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => String(l[k]) === v);
  return (await metric.get()).values.find((v) => matches(v.labels))?.value;
}

const pair = { src: '10.0.0.1', dst: '10.0.0.2' };
const rep = (probeId: string, kind: ProbeReport['kind'], count: number, lost: number): ProbeReport => ({
  probeId,
  pair,
  kind,
  at: 0,
  segments: [{ from: 'a.nic_tx', to: 'b.nic_rx', kind: 'wire', count, p50_us: 100, p90_us: 100, p99_us: 100, max_us: 100, lost }],
});
const labels = { ...pair, kind: 'wire', segment: 'a.nic_tx>b.nic_rx', vm: '' };

describe('ControllerMetrics.recordReport', () => {
  it('counts a probe once: intervals, then only what the summary adds', async () => {
    const m = new ControllerMetrics();
    m.recordReport(rep('p1', 'interval', 10, 1));
    m.recordReport(rep('p1', 'interval', 5, 0));
    expect(await valueOf(m.segmentPackets, labels)).toBe(15);
    // the summary covers the whole probe: 15 already counted, 3 finalized at the end
    m.recordReport(rep('p1', 'summary', 18, 2));
    expect(await valueOf(m.segmentPackets, labels)).toBe(18);
    expect(await valueOf(m.segmentLost, labels)).toBe(2);
    // a probe with only a summary (shorter than the matcher's settle time) counts it whole
    m.recordReport(rep('p2', 'summary', 7, 0));
    expect(await valueOf(m.segmentPackets, labels)).toBe(25);
    expect(await valueOf(m.segmentQuantile, { ...labels, quantile: '0.5' })).toBeCloseTo(100e-6);
  });

  it('does not set quantile gauges from empty segments', async () => {
    const m = new ControllerMetrics();
    const r = rep('p3', 'interval', 0, 0);
    r.segments[0]!.p50_us = Number.NaN;
    m.recordReport(r);
    expect(await m.registry.metrics()).not.toMatch(/xtrace_segment_latency_quantile_seconds\{/);
  });

  it('the latency histogram: an interval with known latencies fills the right le buckets; the summary adds only the rest', async () => {
    const pairReport = (a: AnalysisReport, final: boolean): PairReport => ({
      schema: 'xtrace.pair/v2', probe_id: 'h1', src: '10.0.0.1', dst: '10.0.0.2', src_vm: '', dst_vm: '', proto: '', seq: 1, final, state: final ? 'done' : 'running',
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

    const histogram = async () => {
      const fam = (await families(m)).get('xtrace_segment_latency_seconds')!;
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
    let h = await histogram();
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
    h = await histogram();
    expect([h.le('0.000002'), h.le('0.000004'), h.le('0.000008'), h.le('+Inf')]).toEqual([0, 1, 2, 6]);
    expect(h.count).toBe(6);
    expect(h.sum).toBeCloseTo(0.020988, 9);
  });
});

describe('ControllerMetrics.recordReport: VM turnaround and breakdown parts', () => {
  const sample = (final: boolean) => probeReportFromPairReport({ ...samplePairReport(), final });
  const series = async (m: ControllerMetrics, family: string) => (await families(m)).get(family)?.samples ?? [];

  it('each part gets its own histogram and quantiles by VM host, role, part and VM name; the turnaround is a vm segment of the destination VM', async () => {
    const m = new ControllerMetrics();
    m.recordReport(sample(false));
    const guest = { src: '10.0.0.1', dst: '10.0.0.2', host: 'hv-b', role: 'destination', part: 'guest', vm: 'vm-b' };
    const mine = (await series(m, 'xtrace_vm_part_latency_seconds')).filter((x) => Object.entries(guest).every(([k, v]) => x.labels[k] === v));
    expect(mine.find((x) => x.name.endsWith('_count'))?.value).toBe(40);
    expect(mine.find((x) => x.name.endsWith('_sum'))?.value).toBeCloseTo(0.2, 9);
    expect(mine.find((x) => x.name.endsWith('_bucket') && x.labels['le'] === '0.008192')?.value).toBe(40);
    expect(mine.find((x) => x.name.endsWith('_bucket') && x.labels['le'] === '0.004096')?.value).toBe(0);
    expect(await valueOf(m.vmPartQuantile, { ...guest, part: 'rx_worker_wait', quantile: '0.99' })).toBeCloseTo(12e-6, 12);
    expect(await valueOf(m.vmPartQuantile, { ...guest, host: 'hv-a', role: 'source', part: 'tx_worker_wait', vm: 'vm-a', quantile: '0.5' })).toBeCloseTo(30e-6, 12);
    const parts = new Set((await series(m, 'xtrace_vm_part_latency_quantile_seconds')).map((x) => `${x.labels['host']} ${x.labels['role']} ${x.labels['part']}`));
    expect([...parts]).toEqual([
      'hv-b destination rx_worker_wait', 'hv-b destination rx_copy_signal', 'hv-b destination guest', 'hv-b destination tx_worker_wait', 'hv-b destination tx_build',
      'hv-a source tx_worker_wait', 'hv-a source tx_build',
    ]);
    // the turnaround among the segments, kind vm; the path segment a part re-slices counted once, by the path
    expect(await valueOf(m.segmentPackets, { src: '10.0.0.1', dst: '10.0.0.2', kind: 'vm', segment: 'hv-b.kvm_irq>hv-b.guest_kick', vm: 'vm-b' })).toBe(40);
    expect(await valueOf(m.segmentPackets, { src: '10.0.0.1', dst: '10.0.0.2', kind: 'host', segment: 'hv-b.tap_tx>hv-b.vhost_rx', vm: '' })).toBe(49);
    expect((await series(m, 'xtrace_segment_latency_quantile_seconds')).some((x) => 'part' in x.labels)).toBe(false);
  });

  it('a summary adds to the parts only what the intervals did not count', async () => {
    const m = new ControllerMetrics();
    m.recordReport(sample(false));
    const summary = sample(true);
    const guest = summary.segments.find((s) => s.vm_breakdown?.part === 'guest')!;
    guest.count = 41;
    guest.histogram = { ...guest.histogram!, counts: guest.histogram!.counts.map((c) => (c ? 41 : 0)), sum_us: 205_000 };
    m.recordReport(summary);
    const count = async (part: string) => (await series(m, 'xtrace_vm_part_latency_seconds')).find((x) => x.name.endsWith('_count') && x.labels['part'] === part && x.labels['role'] === 'destination')?.value;
    expect(await count('guest')).toBe(41);
    expect(await count('rx_worker_wait')).toBe(40);
  });
});

describe('ControllerMetrics.followProbeSlots', () => {
  it('exports the probe slots\' running and queued pairs as read at each scrape', async () => {
    const m = new ControllerMetrics();
    let stats = { running: 1, queued: 4 };
    m.followProbeSlots(() => stats);
    const scrape = async (state: string) => (await families(m)).get('xtrace_scheduled_pairs')?.samples.find((x) => x.labels['state'] === state)?.value;
    expect([await scrape('running'), await scrape('queued')]).toEqual([1, 4]);
    stats = { running: 2, queued: 0 };
    expect([await scrape('running'), await scrape('queued')]).toEqual([2, 0]);
  });
});
