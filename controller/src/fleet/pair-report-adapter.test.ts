import { describe, expect, it } from 'vitest';
import type { PairReport, SegmentReport } from '@xtrace/proto';
import { samplePairReport } from '@xtrace/proto/testing';
import { probeReportFromPairReport } from './pair-report-adapter.js';

const seg = (from_host: string, from: string, to_host: string, to: string, kind: SegmentReport['kind'], p99: number | null): SegmentReport => ({
  from, to, from_host, to_host, kind, count: 4, p50_us: 1, p90_us: 2, p95_us: 3, p99_us: p99, max_us: 5, min_us: 0, mean_us: 1, lost: 1, drop_reasons: {}, share: 0.5,
});

describe('probeReportFromPairReport', () => {
  it('flattens both directions with host-qualified stage names', () => {
    const r = {
      probe_id: 'p1', src: '10.0.0.1', dst: '10.0.1.1', final: false, started_at_ms: 1000, elapsed_ms: 500, interval: { start: 1000, end: 1500 },
      directions: {
        forward: { hosts: ['a', 'b'], packets: 4, lost: 1, total: null, segments: [seg('a', 'nic_tx', 'b', 'nic_rx', 'wire', 70)] },
        reverse: { hosts: ['b', 'a'], packets: 4, lost: 0, total: null, segments: [seg('b', 'tap_rx', 'b', 'nic_tx', 'host', null)] },
      },
      vm_turnaround: [],
      vm_breakdown: [],
    } as unknown as PairReport;
    const p = probeReportFromPairReport(r);
    expect(p).toMatchObject({ probeId: 'p1', kind: 'interval', at: 1500, from: 1000, pair: { src: '10.0.0.1', dst: '10.0.1.1' } });
    expect(p.segments.map((s) => [s.from, s.to, s.kind, s.direction])).toEqual([
      ['a.nic_tx', 'b.nic_rx', 'wire', 'forward'],
      ['b.tap_rx', 'b.nic_tx', 'host', 'reverse'],
    ]);
    expect(p.segments[1]?.p99_us).toBeNaN(); // null quantile never crosses a threshold
    expect(p.pairReport).toBe(r);
  });

  it('adds the VM turnaround (kind vm, no direction) and every breakdown part, marked with its VM and part', () => {
    const r = samplePairReport();
    const p = probeReportFromPairReport(r);
    const paths = r.directions.forward!.segments.length + r.directions.reverse!.segments.length;
    expect(p.segments).toHaveLength(paths + 1 + 5 + 2);
    const rest = p.segments.slice(paths);
    expect(rest.map((s) => [s.from, s.to, s.kind, s.direction, s.vm_breakdown && `${s.vm_breakdown.host} ${s.vm_breakdown.role} ${s.vm_breakdown.part}`])).toEqual([
      ['hv-b.kvm_irq', 'hv-b.guest_kick', 'vm', undefined, undefined],
      ['hv-b.tap_tx', 'hv-b.vhost_rx', 'host', undefined, 'hv-b destination rx_worker_wait'],
      ['hv-b.vhost_rx', 'hv-b.kvm_irq', 'host', undefined, 'hv-b destination rx_copy_signal'],
      ['hv-b.kvm_irq', 'hv-b.guest_kick', 'vm', undefined, 'hv-b destination guest'],
      ['hv-b.guest_kick', 'hv-b.vhost_tx', 'host', undefined, 'hv-b destination tx_worker_wait'],
      ['hv-b.vhost_tx', 'hv-b.tap_rx', 'host', undefined, 'hv-b destination tx_build'],
      ['hv-a.guest_kick', 'hv-a.vhost_tx', 'host', undefined, 'hv-a source tx_worker_wait'],
      ['hv-a.vhost_tx', 'hv-a.tap_rx', 'host', undefined, 'hv-a source tx_build'],
    ]);
    expect(rest[3]).toMatchObject({ count: 40, p50_us: 5000, p99_us: 5000, share: 5000 / 5041, histogram: { sum_us: 200_000 } });
    // the vhost worker's parts span the same stages as path segments, their identity does not
    expect(p.segments.some((s) => s.from === 'hv-b.tap_tx' && s.to === 'hv-b.vhost_rx' && s.direction === 'forward')).toBe(true);
  });
});
