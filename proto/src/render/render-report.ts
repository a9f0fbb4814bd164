/**
 * The human rendering of a report, in the spirit of the seed BCC tools' reports: per direction
 * a table of segments with p50/p95/p99/max, share of the path, loss and drop reasons, the
 * top contributors, the end-to-end total, then VM turnaround, the VMs' breakdowns
 * (render-vm-breakdown.ts), clock offsets, drop sites and stalls. Cross-host (wire) numbers
 * always carry their ± uncertainty. renderReport renders the matcher's AnalysisReport (the
 * controller's PairReport.table); renderPairReport a whole PairReport with the same blocks
 * (the CLI, for a report that carries no table: its analyzer failed or had no renderer).
 */
import type { AnalysisReport, DirectionReport, PairReport, SegmentReport } from '../report.js';
import { formatDuration } from './format-duration.js';
import { renderVmBreakdown } from './render-vm-breakdown.js';
import { tableLines } from './table.js';

interface RenderOptions {
  /** segments listed as top contributors per direction; default 3 */
  top?: number;
  /** stall events listed; default 5 */
  maxStalls?: number;
  /** include the counters line; default true */
  counters?: boolean;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function segName(s: { from: string; to: string; from_host: string; to_host: string }): string {
  return `${s.from_host}.${s.from} -> ${s.to_host}.${s.to}`;
}

function withUnc(s: SegmentReport, v: number | null): string {
  const base = formatDuration(v);
  if (s.kind === 'wire' && v !== null && s.uncertainty_us != null) return `${base}±${formatDuration(s.uncertainty_us)}`;
  return base;
}

function dropText(d: Record<string, number>): string {
  return Object.entries(d)
    .map(([k, v]) => `${k}:${v}`)
    .join(',');
}

function renderDirection(name: string, d: DirectionReport | null, top: number): string[] {
  if (!d) return [`${name}  no data`];
  const out: string[] = [];
  out.push(`${name}  ${d.hosts.join(' -> ')}   packets ${d.packets}  lost ${d.lost}`);
  if (d.segments.length === 0) {
    out.push('  (no packets)');
    return out;
  }
  const rows: string[][] = [['segment', 'kind', 'count', 'p50', 'p95', 'p99', 'max', 'share', 'lost', 'drops']];
  for (const s of d.segments) {
    rows.push([
      segName(s),
      s.kind,
      String(s.count) + (s.unresolved ? `(+${s.unresolved}?)` : ''),
      withUnc(s, s.p50_us),
      withUnc(s, s.p95_us),
      withUnc(s, s.p99_us),
      withUnc(s, s.max_us),
      s.count ? pct(s.share) : '-',
      String(s.lost),
      dropText(s.drop_reasons),
    ]);
  }
  if (d.total) {
    const t = d.total;
    const u = t.uncertainty_us > 0 ? `±${formatDuration(t.uncertainty_us)}` : '';
    rows.push([
      `total ${segName(t)}`,
      '',
      String(t.count),
      formatDuration(t.p50_us) + u,
      formatDuration(t.p95_us) + u,
      formatDuration(t.p99_us) + u,
      formatDuration(t.max_us) + u,
      '',
      String(d.lost),
      '',
    ]);
  }
  for (const line of tableLines(rows, ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'])) out.push(`  ${line}`);
  const contributors = [...d.segments].filter((s) => s.count > 0).sort((a, b) => b.share - a.share).slice(0, top);
  if (contributors.length) {
    out.push(`  top contributors: ${contributors.map((s) => `${segName(s)} ${pct(s.share)}`).join(', ')}`);
  }
  const lossy = [...d.segments].filter((s) => s.lost > 0).sort((a, b) => b.lost - a.lost);
  if (lossy.length) {
    out.push(`  loss at: ${lossy.map((s) => `${segName(s)} ${s.lost}${Object.keys(s.drop_reasons).length ? ` (${dropText(s.drop_reasons)})` : ''}`).join(', ')}`);
  }
  if (d.segments.some((s) => s.unresolved)) {
    out.push('  ? = wire crossings without a clock offset yet (no request/reply traffic): latency unknown');
  }
  return out;
}

/** the blocks of a report after its first line: directions, VMs, round trip, clocks, drops, stalls */
type ReportBlocks = Pick<PairReport, 'directions' | 'vm_turnaround' | 'vm_breakdown' | 'round_trip' | 'clock' | 'drop_sites' | 'stalls'>;

function renderBlocks(r: ReportBlocks, opts: RenderOptions): string[] {
  const top = opts.top ?? 3;
  const out: string[] = [];
  out.push(...renderDirection('forward', r.directions.forward, top));
  out.push(...renderDirection('reverse', r.directions.reverse, top));
  for (const v of r.vm_turnaround) {
    out.push(
      `vm turnaround ${segName(v)}: n=${v.count} p50 ${formatDuration(v.p50_us)} p95 ${formatDuration(v.p95_us)} p99 ${formatDuration(v.p99_us)} max ${formatDuration(v.max_us)}`,
    );
  }
  for (const b of r.vm_breakdown) out.push(...renderVmBreakdown(b));
  for (const v of r.round_trip) {
    out.push(
      `round trip ${segName(v)}: n=${v.count} p50 ${formatDuration(v.p50_us)} p95 ${formatDuration(v.p95_us)} p99 ${formatDuration(v.p99_us)} max ${formatDuration(v.max_us)}`,
    );
  }
  for (const c of r.clock) {
    out.push(
      `clock ${c.hosts[1]} - ${c.hosts[0]}: ${(c.offset_us / 1000).toFixed(3)}ms ± ${formatDuration(c.uncertainty_us)} (${c.source}${c.source === 'pairs' ? `, ${c.samples} samples` : ''})`,
    );
  }
  for (const d of r.drop_sites.slice(0, 5)) {
    out.push(`drop ${d.direction} ${d.host} ${d.reason} at ${d.location} (${d.from} -> ${d.to}): ${d.count}`);
  }
  if (r.stalls.length) {
    const maxStalls = opts.maxStalls ?? 5;
    out.push(`stalls: ${r.stalls.length}`);
    for (const s of r.stalls.slice(0, maxStalls)) {
      out.push(`  ${s.direction} ${s.host}.${s.stage} flow ${s.flow_hash.toString(16)}: gap ${s.gap_ms}ms (typical ${s.typical_gap_ms}ms)`);
    }
  }
  return out;
}

/** The matcher's report: its interval, the blocks, the counters line. Ends with a newline. */
export function renderReport(r: AnalysisReport, opts: RenderOptions = {}): string {
  const out: string[] = [];
  const secs = ((r.interval.end - r.interval.start) / 1000).toFixed(1);
  out.push(`interval ${secs}s`);
  out.push(...renderBlocks(r, opts));
  if (opts.counters ?? true) {
    const c = r.counters;
    out.push(
      `records ${c.records_in}  packets ${c.packets}  matched ${c.matched}  pairs ${c.pairs}  duplicates ${c.duplicates}  expired ${c.expired_incomplete}  evicted ${c.evicted}  lost batches ${c.lost_batches}  pending ${c.pending}`,
    );
  }
  return out.join('\n') + '\n';
}

/** "web-01 (10.0.0.1)" for a named VM, else its address */
export function vmEndpointLabel(name: string | undefined, address: string): string {
  return name ? `${name} (${address})` : address;
}

/** "pair web-01 (10.0.0.1) -> db-02 (10.0.0.2)": the first line of a report's table when a VM has a name */
export function renderPairLine(r: Pick<PairReport, 'src' | 'dst' | 'src_vm' | 'dst_vm'>): string {
  return `pair ${vmEndpointLabel(r.src_vm, r.src)} -> ${vmEndpointLabel(r.dst_vm, r.dst)}`;
}

/**
 * A whole report as the CLI prints one that carries no table: the probe, the blocks (or that
 * no traffic was seen), the transport accounting and the controller's note. No newline at the end.
 */
export function renderPairReport(r: PairReport, opts: RenderOptions = {}): string {
  const out: string[] = [];
  const secs = (r.elapsed_ms / 1000).toFixed(1);
  const src = vmEndpointLabel(r.src_vm, r.src);
  const dst = vmEndpointLabel(r.dst_vm, r.dst);
  out.push(`xtrace pair ${src} -> ${dst}  probe ${r.probe_id}, ${secs}s${r.proto ? `, ${r.proto}` : ''}${r.final ? '' : ' (interval)'}`);
  if (r.no_traffic) out.push(`no matching traffic between ${src} and ${dst} was seen${r.message ? ` (${r.message})` : ''}`);
  else out.push(...renderBlocks(r, opts));
  out.push(
    `transport: ${r.hosts.map((h) => `${h.host} ${h.batches} batches/${h.records} records (${h.lost_batches} lost${h.lost_batches ? ` (${h.lost_records ?? '?'} records)` : ''}, ${h.duplicate_batches} dup${h.malformed_batches ? `, ${h.malformed_batches} malformed` : ''}${h.kernel_counters['ringbuf_full'] ? `, ringbuf_full ${h.kernel_counters['ringbuf_full']}` : ''})`).join('; ')}`,
  );
  if (r.message && !r.no_traffic) out.push(`note: ${r.message}`);
  return out.join('\n');
}
