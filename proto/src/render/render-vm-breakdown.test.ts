import { describe, expect, it } from 'vitest';
import { sampleAnalysisReport, sampleDestinationBreakdown, sampleSourceBreakdown } from '../testing/sample-pair-report.js';
import { renderReport } from './render-report.js';
import { renderVmBreakdown, renderVmSplit } from './render-vm-breakdown.js';

describe('renderVmBreakdown', () => {
  it("names the destination VM's parts in path order, with quantiles, mean, share and the exchanges left out", () => {
    expect(renderVmBreakdown(sampleDestinationBreakdown())).toEqual([
      'vm breakdown vm-b on hv-b (destination VM): 40 exchanges',
      '  part                                 stages                     p50     p90     p99     max    mean  share',
      '  waiting for the vhost worker         tap_tx -> vhost_rx      12.0µs  12.0µs  12.0µs  12.0µs  12.0µs   0.2%',
      '  copy into the guest + interrupt      vhost_rx -> kvm_irq     3.00µs  3.00µs  3.00µs  3.00µs  3.00µs   0.1%',
      '  guest (interrupt to its reply)       kvm_irq -> guest_kick   5.00ms  5.00ms  5.00ms  5.00ms  5.00ms  99.2%',
      '  waiting for the vhost worker (kick)  guest_kick -> vhost_tx  20.0µs  20.0µs  20.0µs  20.0µs  20.0µs   0.4%',
      '  building the skb for the tap         vhost_tx -> tap_rx      6.00µs  6.00µs  6.00µs  6.00µs  6.00µs   0.1%',
      '  total                                tap_tx -> tap_rx        5.04ms  5.04ms  5.04ms  5.04ms  5.04ms',
      '  not broken down: 7 no_interrupt (interrupt suppressed, the guest was polling), 2 no_vhost (a vhost stage missing)',
    ]);
  });

  it('a source VM counts requests; a breakdown with nothing left out has no such line; unknown latencies and part names show as they are', () => {
    const b = sampleSourceBreakdown();
    b.incomplete = { no_vhost: 0 };
    const p = b.parts[0]!;
    Object.assign(p, { part: 'rx_future_part', count: 0, p50_us: null, p90_us: null, p99_us: null, max_us: null, mean_us: null });
    const lines = renderVmBreakdown(b);
    expect(lines[0]).toBe('vm breakdown vm-a on hv-a (source VM): 35 requests');
    // a VM no agent knows a name of: its host alone
    expect(renderVmBreakdown({ ...b, vm: '' })[0]).toBe('vm breakdown hv-a (source VM): 35 requests');
    expect(lines[2]).toMatch(/^ {2}rx_future_part\s+guest_kick -> vhost_tx\s+-\s+-\s+-\s+-\s+-\s+-$/);
    expect(lines.some((l) => l.includes('not broken down'))).toBe(false);
  });
});

describe('renderVmSplit', () => {
  it('puts every part on one line by its short name, p50s in the caller\'s format, after the VM\'s name and host', () => {
    expect(renderVmSplit(sampleDestinationBreakdown(), (us) => `${us}`)).toBe('vm-b on hv-b: worker 12 copy 3 guest 5000 kick 20 build 6');
    expect(renderVmSplit({ ...sampleDestinationBreakdown(), vm: '' }, (us) => `${us}`)).toBe('hv-b vm: worker 12 copy 3 guest 5000 kick 20 build 6');
  });
});

describe('renderReport with VM breakdowns', () => {
  it('shows each breakdown after the VM turnaround, before the round trip', () => {
    const text = renderReport(sampleAnalysisReport());
    const at = (s: string) => text.indexOf(s);
    expect(at('vm breakdown vm-b on hv-b (destination VM): 40 exchanges\n')).toBeGreaterThan(at('vm turnaround hv-b.kvm_irq -> hv-b.guest_kick'));
    expect(at('vm breakdown vm-a on hv-a (source VM): 35 requests\n')).toBeGreaterThan(at('vm breakdown vm-b'));
    expect(at('round trip ')).toBeGreaterThan(at('vm breakdown vm-a'));
    expect(text).toContain('  guest (interrupt to its reply)       kvm_irq -> guest_kick   5.00ms  5.00ms  5.00ms  5.00ms  5.00ms  99.2%\n');
  });

  it('a report without a breakdown renders no such block', () => {
    expect(renderReport({ ...sampleAnalysisReport(), vm_breakdown: [] })).not.toContain('vm breakdown');
  });
});
