import { describe, expect, it } from 'vitest';
import { ControllerMetrics } from './controller-metrics.js';
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
});
