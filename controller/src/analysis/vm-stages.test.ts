/**
 * The matcher on the virtualization layer's stages: optional stages (guest_kick, ovs_upcall,
 * kvm_irq) neither make a packet lost or partial when absent nor leave it late when their
 * records come after the rest, and the VMs' breakdown adds up to the turnaround it splits.
 */
import { describe, expect, it } from 'vitest';
import type { AnalysisReport, StageName } from '@xtrace/proto';
import { PathMatcher } from './path-matcher.js';
import { TrafficBuilder, hops } from '../../../test/support/matcher-traffic.js';

const US = 1000;
const MS = 1_000_000;
type Plan = [string, StageName, number][];

/** A UDP request from the VM on A to the VM on B, every stage of both hypervisors; the optional ones when asked. */
function requestPlan(o: { kick: boolean; upcall: boolean; irq: boolean }): Plan {
  const plan: Plan = [];
  if (o.kick) plan.push(['A', 'guest_kick', 0]);
  plan.push(['A', 'vhost_tx', 30 * US], ['A', 'tap_rx', 5 * US], ['A', 'ovs_in', 2 * US]);
  if (o.upcall) plan.push(['A', 'ovs_upcall', 3 * US]);
  plan.push(['A', 'ovs_out', o.upcall ? 400 * US : 8 * US], ['A', 'nic_tx', 10 * US]);
  plan.push(['B', 'nic_rx', 100 * US], ['B', 'ovs_in', 10 * US], ['B', 'ovs_out', 8 * US], ['B', 'tap_tx', 3 * US]);
  plan.push(['B', 'vhost_rx', 40 * US]);
  if (o.irq) plan.push(['B', 'kvm_irq', 6 * US]);
  return plan;
}

/** The reply, leaving B's VM `guest` ns after the request's interrupt (or vhost_rx). */
function replyPlan(guest: number, kick: boolean): Plan {
  const plan: Plan = [];
  if (kick) plan.push(['B', 'guest_kick', guest]);
  plan.push(['B', 'vhost_tx', kick ? 50 * US : guest], ['B', 'tap_rx', 7 * US], ['B', 'ovs_in', 2 * US], ['B', 'ovs_out', 8 * US]);
  plan.push(['B', 'nic_tx', 10 * US], ['A', 'nic_rx', 100 * US], ['A', 'ovs_in', 10 * US], ['A', 'ovs_out', 8 * US]);
  plan.push(['A', 'tap_tx', 3 * US], ['A', 'vhost_rx', 40 * US], ['A', 'kvm_irq', 6 * US]);
  return plan;
}

interface Traffic {
  n: number;
  guest?: number;
  kick?: (i: number) => boolean;
  upcall?: (i: number) => boolean;
  irq?: (i: number) => boolean;
}

function exchanges(t: Traffic): TrafficBuilder {
  const tb = new TrafficBuilder({ A: 10n * BigInt(MS), B: 3_000n * BigInt(MS) });
  for (let i = 0; i < t.n; i++) {
    const req = hops(requestPlan({ kick: t.kick?.(i) ?? true, upcall: t.upcall?.(i) ?? false, irq: t.irq?.(i) ?? true }), i * 20 * MS);
    const rep = hops(replyPlan(t.guest ?? 2 * MS, t.kick?.(i) ?? true), req.end);
    const udp = { proto: 17, sport: 40000 + i, dport: 7000 };
    tb.add({ id: 1000n + BigInt(2 * i), ...udp, hops: req.hops });
    tb.add({ id: 1001n + BigInt(2 * i), proto: 17, sport: 7000, dport: 40000 + i, reverse: true, hops: rep.hops });
  }
  return tb;
}

function analyse(
  tb: TrafficBuilder,
  ingest: (m: PathMatcher) => void = (m) => tb.batches().forEach((b) => m.ingest(b, 0)),
  opts: { optionalGraceMs?: number; settleMs?: number; expectedStages?: Record<string, string[]> } = {},
): AnalysisReport {
  const m = new PathMatcher({ hosts: ['A', 'B'], timeoutMs: 2000, servicePort: 7000, ...opts });
  ingest(m);
  return m.finish(10_000);
}

const names = (r: AnalysisReport, dir: 'forward' | 'reverse') => r.directions[dir].segments.map((s) => `${s.from_host}.${s.from}->${s.to_host}.${s.to}`);

describe('PathMatcher on vhost, interrupt and OVS upcall stages', () => {
  it('times every stage in path order, and an upcall as a segment of its own only where it happened', () => {
    const r = analyse(exchanges({ n: 20, upcall: (i) => i % 5 === 0 }));
    expect(names(r, 'forward')).toEqual([
      'A.guest_kick->A.vhost_tx',
      'A.vhost_tx->A.tap_rx',
      'A.tap_rx->A.ovs_in',
      'A.ovs_in->A.ovs_upcall',
      'A.ovs_in->A.ovs_out',
      'A.ovs_upcall->A.ovs_out',
      'A.ovs_out->A.nic_tx',
      'A.nic_tx->B.nic_rx',
      'B.nic_rx->B.ovs_in',
      'B.ovs_in->B.ovs_out',
      'B.ovs_out->B.tap_tx',
      'B.tap_tx->B.vhost_rx',
      'B.vhost_rx->B.kvm_irq',
    ]);
    const seg = (from: string, to: string) => r.directions.forward.segments.find((s) => s.from === from && s.to === to && s.from_host === 'A')!;
    expect(seg('ovs_in', 'ovs_upcall').count).toBe(4);
    expect(seg('ovs_upcall', 'ovs_out').p50_us).toBeCloseTo(400, -1);
    expect(seg('ovs_in', 'ovs_out').count).toBe(16);
    expect(r.directions.forward.lost).toBe(0);
    expect(r.counters.partial).toBe(0);
    expect(r.counters.expired_incomplete).toBe(0);
    // the end-to-end total spans the expected stages (vhost_tx -> vhost_rx): optional ones neither start nor end it
    expect(r.directions.forward.total).toMatchObject({ from: 'vhost_tx', to: 'vhost_rx', count: 20 });
    // with vhost stages the VM turnaround is the guest alone: kvm_irq -> the reply's kick
    expect(r.vm_turnaround.map((s) => `${s.from}->${s.to}`)).toEqual(['kvm_irq->guest_kick']);
  });

  it('splits the destination VM turnaround into parts that add up to it, and the source VM\'s request', () => {
    const r = analyse(exchanges({ n: 30, guest: 5 * MS }));
    const dest = r.vm_breakdown.find((b) => b.role === 'destination')!;
    expect(dest).toMatchObject({ host: 'B', count: 30, incomplete: {} });
    expect(dest.total).toMatchObject({ from: 'tap_tx', to: 'tap_rx', from_host: 'B', to_host: 'B' });
    const part = Object.fromEntries(dest.parts.map((p) => [p.part, p]));
    expect(Object.keys(part)).toEqual(['rx_worker_wait', 'rx_copy_signal', 'guest', 'tx_worker_wait', 'tx_build']);
    expect(part['rx_worker_wait']!.mean_us).toBeCloseTo(40, 0);
    expect(part['rx_copy_signal']!.mean_us).toBeCloseTo(6, 0);
    expect(part['guest']!).toMatchObject({ from: 'kvm_irq', to: 'guest_kick', kind: 'vm' });
    expect(part['guest']!.mean_us).toBeCloseTo(5000, -1);
    expect(part['tx_worker_wait']!.mean_us).toBeCloseTo(50, 0);
    expect(part['tx_build']!.mean_us).toBeCloseTo(7, 0);
    const partsMean = dest.parts.reduce((a, p) => a + p.mean_us!, 0);
    expect(partsMean).toBeCloseTo(dest.total.mean_us!, 1);
    expect(dest.parts.reduce((a, p) => a + p.share, 0)).toBeCloseTo(1, 3);
    const src = r.vm_breakdown.find((b) => b.role === 'source')!;
    expect(src).toMatchObject({ host: 'A', count: 30 });
    expect(src.parts.map((p) => [p.part, Math.round(p.mean_us!)])).toEqual([['tx_worker_wait', 30], ['tx_build', 5]]);
  });

  it('does not expect the optional stages an agent attached: a packet without them is complete', () => {
    const attached = ['guest_kick', 'vhost_tx', 'tap_rx', 'ovs_in', 'ovs_upcall', 'ovs_out', 'nic_tx', 'nic_rx', 'tap_tx', 'vhost_rx', 'kvm_irq'];
    const r = analyse(exchanges({ n: 10 }), undefined, { expectedStages: { A: attached, B: attached } });
    expect(r.counters.partial).toBe(0);
    expect(r.counters.matched).toBe(20);
  });

  it('takes a reply without a kick (the worker was running) as no wait, and leaves out exchanges without an interrupt', () => {
    const r = analyse(exchanges({ n: 20, kick: (i) => i % 2 === 0, irq: (i) => i !== 3 }));
    const dest = r.vm_breakdown.find((b) => b.role === 'destination')!;
    expect(dest.count).toBe(19);
    expect(dest.incomplete).toEqual({ no_interrupt: 1 });
    const wait = dest.parts.find((p) => p.part === 'tx_worker_wait')!;
    expect(wait.min_us).toBe(0);
    // a packet without its interrupt is neither lost nor partial
    expect(r.directions.forward.lost).toBe(0);
    expect(r.counters.partial).toBe(0);
  });

  it('waits for an interrupt record that comes in a later batch instead of counting it late', () => {
    const tb = exchanges({ n: 10 });
    const batches = tb.batches();
    const lateIrq = (m: PathMatcher): void => {
      // every record but B's kvm_irq at t=0; the expected set settles (100 ms) and the packets
      // complete at t=300 ms, when B's kvm_irq records come in a batch of their own
      const late: Buffer[] = [];
      for (const b of batches) {
        const keep: number[] = [];
        const held: number[] = [];
        for (let i = 0; i < b.records.byteLength / 64; i++) (b.records[i * 64 + 36] === 11 && b.hostId === 'B' ? held : keep).push(i);
        const pick = (idx: number[]) => Buffer.concat(idx.map((i) => b.records.subarray(i * 64, i * 64 + 64)));
        m.ingest({ ...b, records: pick(keep) }, 0);
        if (held.length > 0) late.push(pick(held));
      }
      m.tick(300);
      for (const records of late) m.ingest({ hostId: 'B', bootId: 'boot-B', seq: 1000, records }, 300);
    };
    const r = analyse(tb, lateIrq, { optionalGraceMs: 500, settleMs: 100 });
    expect(r.counters.late_records).toBe(0);
    expect(r.directions.forward.segments.find((s) => s.to === 'kvm_irq')?.count).toBe(10);
    // without the grace the packets finalize before their interrupt
    const noGrace = analyse(tb, lateIrq, { optionalGraceMs: 0, settleMs: 100 });
    expect(noGrace.counters.late_records).toBeGreaterThanOrEqual(10);
  });

  it('finalizes a complete packet that has its interrupt at once, and one without it after the grace', () => {
    const tb = exchanges({ n: 10, irq: (i) => i < 6 });
    const m = new PathMatcher({ hosts: ['A', 'B'], timeoutMs: 2000, servicePort: 7000, optionalGraceMs: 500, settleMs: 100 });
    for (const b of tb.batches()) m.ingest(b, 0);
    m.tick(200);
    // 20 packets; the 4 requests without kvm_irq wait for it, everything else is final
    expect(m.pending).toBe(4);
    m.tick(800);
    expect(m.pending).toBe(0);
    expect(m.finish(10_000).counters.late_records).toBe(0);
  });

  it('has no breakdown on a path without vhost stages (relay VMs)', () => {
    const tb = new TrafficBuilder({ A: 0n, B: 0n });
    for (let i = 0; i < 5; i++) {
      const f = hops([['A', 'tap_rx', 0], ['A', 'nic_tx', 10 * US], ['B', 'nic_rx', 50 * US], ['B', 'tap_tx', 10 * US]], i * MS);
      const b = hops([['B', 'tap_rx', 100 * US], ['B', 'nic_tx', 10 * US], ['A', 'nic_rx', 50 * US], ['A', 'tap_tx', 10 * US]], f.end);
      tb.add({ id: BigInt(10 + 2 * i), proto: 1, sport: 9, dport: 8 << 8, seq: i, hops: f.hops });
      tb.add({ id: BigInt(11 + 2 * i), proto: 1, sport: 9, dport: 0, seq: i, reverse: true, hops: b.hops });
    }
    const r = analyse(tb);
    expect(r.vm_breakdown).toEqual([]);
    expect(r.vm_turnaround.map((s) => `${s.from}->${s.to}`)).toEqual(['tap_tx->tap_rx']);
  });
});
