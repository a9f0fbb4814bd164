/**
 * Human rendering of a report's VM breakdowns (AnalysisReport.vm_breakdown): per VM, its
 * parts in path order with plain-English names, their latency and share of the VM's total, and
 * why some exchanges were not broken down (a block of render-report.ts; the split line is the
 * CLI's interval line's).
 */
import type { VmBreakdownReport, VmPartName } from '../report.js';
import { formatDuration } from './format-duration.js';
import { tableLines } from './table.js';

/**
 * what each part is, for people: `name` in tables, `short` in one-line summaries (a part name
 * this build does not know, from a newer controller, is shown as it came)
 */
export const VM_PART_LABELS: Readonly<Record<VmPartName, { name: string; short: string }>> = {
  rx_worker_wait: { name: 'waiting for the vhost worker', short: 'worker' },
  rx_copy_signal: { name: 'copy into the guest + interrupt', short: 'copy' },
  guest: { name: 'guest (interrupt to its reply)', short: 'guest' },
  tx_worker_wait: { name: 'waiting for the vhost worker (kick)', short: 'kick' },
  tx_build: { name: 'building the skb for the tap', short: 'build' },
};

/** why exchanges (or packets) were left out of a breakdown, by VmBreakdownReport.incomplete key */
const INCOMPLETE_REASONS: Readonly<Record<string, string>> = {
  no_interrupt: 'interrupt suppressed, the guest was polling',
  no_vhost: 'a vhost stage missing',
  out_of_order: 'points out of path order',
};

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function unitNoun(b: VmBreakdownReport, n: number): string {
  const noun = b.role === 'destination' ? 'exchange' : 'request';
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** the not-broken-down line, or none when every exchange was broken down */
function incompleteLine(b: VmBreakdownReport): string | undefined {
  const reasons = Object.entries(b.incomplete ?? {}).filter(([, n]) => n > 0);
  if (reasons.length === 0) return undefined;
  const text = reasons.map(([k, n]) => `${n} ${k}${INCOMPLETE_REASONS[k] ? ` (${INCOMPLETE_REASONS[k]})` : ''}`);
  return `not broken down: ${text.join(', ')}`;
}

/** one VM's block: a header line, then its parts, total and left-out exchanges, indented */
export function renderVmBreakdown(b: VmBreakdownReport): string[] {
  const head = `vm breakdown ${b.vm ? `${b.vm} on ` : ''}${b.host} (${b.role} VM): ${unitNoun(b, b.count)}`;
  const stats = (s: VmBreakdownReport['total']) => [formatDuration(s.p50_us), formatDuration(s.p90_us), formatDuration(s.p99_us), formatDuration(s.max_us), formatDuration(s.mean_us)];
  const rows: string[][] = [['part', 'stages', 'p50', 'p90', 'p99', 'max', 'mean', 'share']];
  for (const p of b.parts) rows.push([VM_PART_LABELS[p.part]?.name ?? p.part, `${p.from} -> ${p.to}`, ...stats(p), p.count ? pct(p.share) : '-']);
  rows.push(['total', `${b.total.from} -> ${b.total.to}`, ...stats(b.total), '']);
  const lines = tableLines(rows, { rightFrom: 2 });
  const incomplete = incompleteLine(b);
  if (incomplete !== undefined) lines.push(incomplete);
  return [head, ...lines.map((l) => `  ${l}`)];
}

/**
 * The destination VM's turnaround split on one line, p50 of each part in path order, e.g.
 * `hv-b vm: worker 12us copy 3.0us guest 5.0ms kick 20us build 6.0us`, or `web-01 on hv-b: …` for
 * a named VM (`fmt` formats µs).
 */
export function renderVmSplit(b: VmBreakdownReport, fmt: (us: number | null) => string): string {
  return `${b.vm ? `${b.vm} on ${b.host}` : `${b.host} vm`}: ${b.parts.map((p) => `${VM_PART_LABELS[p.part]?.short ?? p.part} ${fmt(p.p50_us)}`).join(' ')}`;
}
