/**
 * Where a VM's time goes on its hypervisor, per exchange or per packet, all on that host's own
 * clock (no offset, no uncertainty). proto/src/report.ts (VM_PART_NAMES) defines the parts:
 *
 *   destination VM, one exchange (request in, reply out):
 *     tap_tx ─rx_worker_wait─ vhost_rx ─rx_copy_signal─ kvm_irq ─guest─ kick ─tx_worker_wait─ vhost_tx ─tx_build─ tap_rx
 *   source VM, one request leaving:
 *     kick ─tx_worker_wait─ vhost_tx ─tx_build─ tap_rx
 *
 * "kick" is the reply's guest_kick, or its vhost_tx when the worker took the frame without one
 * (it was already running): then tx_worker_wait is 0 and the guest's part ends at vhost_tx.
 * Only exchanges (packets) with every other point count, and none with a part below zero, so
 * the parts' sums add up to the total's sum exactly; the others are counted by reason.
 */
import { VM_PART_NAMES, type VmBreakdownReport, type VmPartName, type VmPartReport } from '@xtrace/proto';
import { SegmentAccumulator, toSegmentReport } from './segment-accumulator.js';

/** A request's points at its destination host: tap_tx, vhost_rx, kvm_irq (ns, NaN: not seen). */
type VmInPoints = readonly [number, number, number];
/** A packet's points at its origin host: guest_kick, vhost_tx, tap_rx (ns, NaN: not seen). */
type VmOutPoints = readonly [number, number, number];

export const VM_IN_STAGES = ['tap_tx', 'vhost_rx', 'kvm_irq'] as const;
export const VM_OUT_STAGES = ['guest_kick', 'vhost_tx', 'tap_rx'] as const;

type Role = VmBreakdownReport['role'];

const PART_STAGES: Record<VmPartName, [string, string]> = {
  rx_worker_wait: ['tap_tx', 'vhost_rx'],
  rx_copy_signal: ['vhost_rx', 'kvm_irq'],
  guest: ['kvm_irq', 'guest_kick'],
  tx_worker_wait: ['guest_kick', 'vhost_tx'],
  tx_build: ['vhost_tx', 'tap_rx'],
};

const ROLE_PARTS: Record<Role, readonly VmPartName[]> = {
  destination: VM_PART_NAMES,
  source: ['tx_worker_wait', 'tx_build'],
};

const ROLE_SPAN: Record<Role, [string, string]> = {
  destination: ['tap_tx', 'tap_rx'],
  source: ['guest_kick', 'tap_rx'],
};

class VmStats {
  readonly total = new SegmentAccumulator();
  readonly parts: SegmentAccumulator[];
  readonly incomplete = new Map<string, number>();

  constructor(readonly role: Role) {
    this.parts = ROLE_PARTS[role].map(() => new SegmentAccumulator());
  }

  skip(reason: string): void {
    this.incomplete.set(reason, (this.incomplete.get(reason) ?? 0) + 1);
  }

  merge(o: VmStats): void {
    this.total.merge(o.total);
    this.parts.forEach((p, i) => p.merge(o.parts[i]!));
    for (const [k, v] of o.incomplete) this.incomplete.set(k, (this.incomplete.get(k) ?? 0) + v);
  }
}

const seen = (t: number): boolean => t === t;

/** One window's VM breakdowns, per (host index, role); mergeable like the rest of StatsWindow. */
export class VmBreakdownStats {
  private readonly byKey = new Map<number, VmStats>();

  private stats(host: number, role: Role): VmStats {
    const key = host * 2 + (role === 'destination' ? 0 : 1);
    let s = this.byKey.get(key);
    if (!s) {
      s = new VmStats(role);
      this.byKey.set(key, s);
    }
    return s;
  }

  /** One exchange at its destination host: the request's points there, the reply's points there. */
  recordExchange(host: number, request: VmInPoints, reply: VmOutPoints): void {
    const [tapTx, vhostRx, irq] = request;
    const [kick, vhostTx, tapRx] = reply;
    if (!seen(tapTx) || !seen(tapRx)) return; // not a VM-facing exchange (no tap on this host's path)
    const s = this.stats(host, 'destination');
    if (!seen(vhostRx) || !seen(vhostTx)) return s.skip('no_vhost');
    if (!seen(irq)) return s.skip('no_interrupt');
    const woke = seen(kick) ? kick : vhostTx;
    this.add(s, [vhostRx - tapTx, irq - vhostRx, woke - irq, vhostTx - woke, tapRx - vhostTx], tapRx - tapTx);
  }

  /** One request packet at its origin host (the source VM). */
  recordSource(host: number, points: VmOutPoints): void {
    const [kick, vhostTx, tapRx] = points;
    if (!seen(tapRx)) return;
    const s = this.stats(host, 'source');
    if (!seen(vhostTx)) return s.skip('no_vhost');
    const woke = seen(kick) ? kick : vhostTx;
    this.add(s, [vhostTx - woke, tapRx - vhostTx], tapRx - woke);
  }

  private add(s: VmStats, parts: number[], total: number): void {
    for (const p of parts) if (p < 0) return s.skip('out_of_order');
    for (let i = 0; i < parts.length; i++) s.parts[i]!.hist.record(parts[i]!);
    s.total.hist.record(total);
  }

  merge(o: VmBreakdownStats): void {
    for (const [k, v] of o.byKey) {
      const mine = this.byKey.get(k);
      if (mine) mine.merge(v);
      else {
        const copy = new VmStats(v.role);
        copy.merge(v);
        this.byKey.set(k, copy);
      }
    }
  }

  report(hosts: readonly string[]): VmBreakdownReport[] {
    const out: VmBreakdownReport[] = [];
    for (const [key, s] of [...this.byKey].sort((a, b) => a[0] - b[0])) {
      // a path without vhost stages (relay VMs, QEMU without vhost) has nothing to break down
      if (s.total.hist.count === 0 && [...s.incomplete.keys()].every((k) => k === 'no_vhost')) continue;
      const host = hosts[Math.floor(key / 2)]!;
      const label = (from: string, to: string, kind: 'host' | 'vm') => ({ from, to, from_host: host, to_host: host, kind });
      const totalSum = s.total.hist.sum;
      const parts: VmPartReport[] = ROLE_PARTS[s.role].map((part, i) => {
        const a = s.parts[i]!;
        const [from, to] = PART_STAGES[part];
        const share = totalSum > 0 ? Math.round((a.hist.sum / totalSum) * 10000) / 10000 : 0;
        return { part, ...toSegmentReport(label(from, to, part === 'guest' ? 'vm' : 'host'), a, share) };
      });
      const [from, to] = ROLE_SPAN[s.role];
      out.push({
        host,
        // the matcher knows hosts only: the probe manager names the VM (probe-manager.ts buildReport)
        vm: '',
        role: s.role,
        count: s.total.hist.count,
        total: toSegmentReport(label(from, to, s.role === 'destination' ? 'vm' : 'host'), s.total, 1),
        parts,
        incomplete: Object.fromEntries(s.incomplete),
      });
    }
    return out;
  }
}
