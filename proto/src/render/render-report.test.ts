import { describe, expect, it } from 'vitest';
import { samplePairReport } from '../testing/sample-pair-report.js';
import { renderPairReport } from './render-report.js';

describe('renderPairReport', () => {
  it("renders the report's blocks as renderReport does, each VM breakdown between turnaround and round trip", () => {
    const text = renderPairReport(samplePairReport());
    const at = (s: string) => text.indexOf(s);
    expect(text.split('\n')[0]).toBe('xtrace pair vm-a (10.0.0.1) -> vm-b (10.0.0.2)  probe p-sample, 5.0s, icmp');
    expect(renderPairReport({ ...samplePairReport(), src_vm: '', dst_vm: '' }).split('\n')[0]).toBe('xtrace pair 10.0.0.1 -> 10.0.0.2  probe p-sample, 5.0s, icmp');
    expect(at('forward  ')).toBeGreaterThan(0);
    expect(at('vm breakdown vm-b on hv-b (destination VM): 40 exchanges\n')).toBeGreaterThan(at('vm turnaround '));
    expect(at('vm breakdown vm-a on hv-a (source VM): 35 requests\n')).toBeGreaterThan(at('vm breakdown vm-b'));
    expect(at('round trip ')).toBeGreaterThan(at('vm breakdown vm-a'));
    expect(text).toContain('  waiting for the vhost worker         tap_tx -> vhost_rx      12.0µs  12.0µs  12.0µs  12.0µs  12.0µs   0.2%\n');
    expect(text).toContain('  not broken down: 15 no_vhost (a vhost stage missing)\n');
    expect(text).toMatch(/\ntransport: /);
  });

  it('a report without traffic says so instead of the blocks; one without analysis has no data per direction', () => {
    const r = samplePairReport();
    expect(renderPairReport({ ...r, no_traffic: true, message: '' })).toContain(`no matching traffic between vm-a (${r.src}) and vm-b (${r.dst}) was seen`);
    expect(renderPairReport({ ...r, no_traffic: true })).not.toMatch(/p50/);
    const failed = renderPairReport({ ...r, interval: null, directions: { forward: null, reverse: null }, vm_turnaround: [], vm_breakdown: [], round_trip: [] });
    expect(failed).toContain('forward  no data\nreverse  no data');
  });
});
