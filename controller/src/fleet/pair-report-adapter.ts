/**
 * Turns the pipeline's PairReport (proto/src/report.ts) into the fleet layer's ProbeReport:
 * both directions' segments, named host-qualified (`hvA.tap_rx` → `hvA.nic_tx`) so forward
 * and reverse segments stay apart, the destination VM's turnaround (kind 'vm'), the parts of
 * every VM breakdown (marked with `vm_breakdown`), and the full PairReport kept alongside for
 * history. The round trip stays out: it spans both directions' segments and the turnaround,
 * which the rules and metrics already see.
 */
import type { PairReport, SegmentReport, VmBreakdownReport } from '@xtrace/proto';
import type { ProbeReport, SegmentStats } from './probe-report.js';

function toStats(s: SegmentReport): SegmentStats | undefined {
  if (s.kind !== 'host' && s.kind !== 'wire' && s.kind !== 'vm') return undefined;
  const n = (v: number | null | undefined) => (typeof v === 'number' ? v : Number.NaN);
  return {
    from: `${s.from_host}.${s.from}`,
    to: `${s.to_host}.${s.to}`,
    kind: s.kind,
    count: s.count,
    p50_us: n(s.p50_us),
    p90_us: n(s.p90_us),
    p99_us: n(s.p99_us),
    max_us: n(s.max_us),
    lost: s.lost,
    drop_reasons: s.drop_reasons,
    share: s.share,
    histogram: s.histogram ?? null,
  };
}

function breakdownParts(b: VmBreakdownReport): SegmentStats[] {
  return b.parts.flatMap((p) => {
    const st = toStats(p);
    return st === undefined ? [] : [{ ...st, vm_breakdown: { host: b.host, role: b.role, part: p.part } }];
  });
}

export function probeReportFromPairReport(r: PairReport): ProbeReport {
  const segments: SegmentStats[] = [];
  for (const direction of ['forward', 'reverse'] as const) {
    for (const s of r.directions[direction]?.segments ?? []) {
      const st = toStats(s);
      if (st !== undefined) segments.push({ ...st, direction });
    }
  }
  for (const s of r.vm_turnaround) {
    const st = toStats(s);
    if (st !== undefined) segments.push(st);
  }
  for (const b of r.vm_breakdown) segments.push(...breakdownParts(b));
  const out: ProbeReport = {
    probeId: r.probe_id,
    pair: { src: r.src, dst: r.dst, ...(r.src_vm ? { srcVm: r.src_vm } : {}), ...(r.dst_vm ? { dstVm: r.dst_vm } : {}) },
    kind: r.final ? 'summary' : 'interval',
    at: r.interval?.end ?? r.started_at_ms + r.elapsed_ms,
    segments,
    pairReport: r,
  };
  if (r.interval !== null) out.from = r.interval.start;
  return out;
}
