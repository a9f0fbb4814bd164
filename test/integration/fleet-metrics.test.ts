/** The controller metric set served on a real HTTP /metrics endpoint, scraped and parsed back. */
import { afterAll, describe, expect, it } from 'vitest';
import { LATENCY_BUCKET_BOUNDS_US, startMetricsServer, type MetricsServer } from '@xtrace/proto';
import { ControllerMetrics } from '../../controller/src/fleet/metrics/controller-metrics.js';
import { parseExposition } from '../support/exposition-parser.js';

let srv: MetricsServer | undefined;
afterAll(async () => {
  await srv?.close();
});

describe('controller /metrics', () => {
  it('exposes segment histograms, loss, events/s, probe and scheduler counters', async () => {
    let now = 1_000_000;
    const m = new ControllerMetrics(undefined, () => now);
    const pair = { src: '10.0.0.1', dst: '10.0.1.1' };
    const wire = { from: 'nic_tx', to: 'nic_rx', kind: 'wire' as const };
    // the matcher's histogram of 5, 40, 40, 900 and 20000 µs (bounds 1, 2, 4, ... µs)
    const counts = new Array<number>(LATENCY_BUCKET_BOUNDS_US.length + 1).fill(0);
    for (const us of [5, 40, 40, 900, 20_000]) counts[LATENCY_BUCKET_BOUNDS_US.findIndex((le) => us <= le)]! += 1;
    const histogram = { counts, sum_us: 20_985 };
    m.recordReport({ probeId: 'p', pair, kind: 'interval', at: now, segments: [{ ...wire, count: 5, p50_us: 40, p90_us: 900, p99_us: 20_000, max_us: 20_000, lost: 2, histogram }] });
    m.recordEvents('hv-a', 300);
    now += 20_000; // out of the 10 s window
    m.recordEvents('hv-a', 50);
    m.recordEvents('hv-b', 10);
    m.recordLoss('hv-a', { ringbuf: 7, batches: 1 });
    m.probeStarted();
    m.probeStarted();
    m.probeFinished('scheduled', 'ok');
    m.attachFailed('hv-a', 'ovs_in', 'kprobe');
    m.schedulerEvent({ type: 'takeover', key: 'run.x.1', schedule: 'x', slot: 1 });

    srv = await startMetricsServer(m.registry, { host: '127.0.0.1', port: 0 });
    const res = await fetch(srv.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const fams = parseExposition(await res.text());
    expect((await fetch(srv.url.replace('/metrics', '/nope'))).status).toBe(404);

    const h = fams.get('xtrace_segment_latency_seconds')!;
    expect(h.type).toBe('histogram');
    const lbl = { src: '10.0.0.1', dst: '10.0.1.1', kind: 'wire', segment: 'nic_tx>nic_rx' };
    const buckets = h.samples.filter((s) => s.name.endsWith('_bucket'));
    for (const b of buckets) expect(b.labels).toMatchObject(lbl);
    const le = (x: string) => buckets.find((b) => Number(b.labels['le']) === Number(x))?.value;
    expect(le('8e-06')).toBe(1);
    expect(le('6.4e-05')).toBe(3);
    expect(le('0.001024')).toBe(4);
    expect(buckets.at(-1)?.labels['le']).toBe('+Inf');
    expect(buckets.at(-1)?.value).toBe(5);
    // cumulative, never decreasing
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    expect(h.samples.find((s) => s.name.endsWith('_count'))?.value).toBe(5);
    expect(h.samples.find((s) => s.name.endsWith('_sum'))?.value).toBeCloseTo(0.020985, 9);

    const val = (name: string, labels: Record<string, string> = {}) =>
      fams.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(val('xtrace_segment_lost_packets_total', lbl)).toBe(2);
    expect(val('xtrace_segment_packets_total', lbl)).toBe(5);
    expect(val('xtrace_segment_latency_quantile_seconds', { ...lbl, quantile: '0.99' })).toBeCloseTo(0.02, 9);
    expect(val('xtrace_events_total', { host: 'hv-a' })).toBe(350);
    expect(val('xtrace_events_per_second', { host: 'hv-a' })).toBe(5);
    expect(val('xtrace_events_per_second', { host: 'hv-b' })).toBe(1);
    expect(val('xtrace_ringbuf_lost_total', { host: 'hv-a' })).toBe(7);
    expect(val('xtrace_batch_lost_total', { host: 'hv-a' })).toBe(1);
    expect(val('xtrace_probes_active')).toBe(1);
    expect(val('xtrace_probes_total', { origin: 'scheduled', result: 'ok' })).toBe(1);
    expect(val('xtrace_attach_failures_total', { host: 'hv-a', stage: 'ovs_in', hook: 'kprobe' })).toBe(1);
    expect(val('xtrace_scheduler_events_total', { event: 'takeover' })).toBe(1);
    for (const f of fams.values()) {
      expect(f.help, f.name).toBeTruthy();
      expect(f.type, f.name).toMatch(/^(counter|gauge|histogram)$/);
    }
  });
});
