import { describe, expect, it } from 'vitest';
import { samplePairReport } from '@xtrace/proto/testing';
import { renderIntervalLine } from './render.js';

describe('renderIntervalLine', () => {
  it("ends with the destination VM's turnaround split when the report has one", () => {
    const r = { ...samplePairReport(), final: false };
    expect(renderIntervalLine(r)).toBe(
      '[  5.0s] fwd 50 pkts e2e p50 248us p99 260us lost 1 | rev 49 pkts lost 0 | clock +5000.0±4.0us | vm-b on hv-b: worker 12us copy 3.0us guest 5.0ms kick 20us build 6.0us',
    );
  });

  it('without a destination breakdown (no vhost stages, or none broken down yet) the line has no VM part', () => {
    const r = samplePairReport();
    expect(renderIntervalLine({ ...r, vm_breakdown: [] })).not.toContain(' worker ');
    expect(renderIntervalLine({ ...r, vm_breakdown: r.vm_breakdown.filter((b) => b.role === 'source') })).not.toContain(' worker ');
    expect(renderIntervalLine({ ...r, vm_breakdown: r.vm_breakdown.map((b) => ({ ...b, count: 0 })) })).not.toContain(' worker ');
  });

  it('end-to-end latencies of 10 ms and more carry one unit', () => {
    const r = samplePairReport();
    r.directions.forward!.total = { ...r.directions.forward!.total!, p50_us: 12_000, p99_us: 2_500_000 };
    expect(renderIntervalLine(r)).toContain('e2e p50 12.0ms p99 2.50s lost 1');
  });

  it('an empty interval says "yet" only until traffic was seen', () => {
    const r = { ...samplePairReport(), final: false, no_traffic: true };
    expect(renderIntervalLine(r)).toBe('[  5.0s] no matching traffic yet');
    expect(renderIntervalLine(r, true)).toBe('[  5.0s] no matching traffic in this interval');
  });
});
