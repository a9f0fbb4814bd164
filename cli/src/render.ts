/** Human rendering of reports, agent and probe lists (the JSON forms are the structured ones). */
import { renderVmBreakdown, renderVmSplit, type AgentInfo, type DirectionReport, type PairReport, type ProbeInfo, type SegmentReport } from '@xtrace/proto';

function us(v: number | null | undefined): string {
  if (v === null || v === undefined) return '-';
  if (v >= 10_000) return `${(v / 1000).toFixed(1)}ms`;
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

/** µs with its unit, short: "3.4us", "12us", "5.0ms", "2.10s"; null -> "-" */
function usUnit(v: number | null | undefined): string {
  if (v === null || v === undefined) return '-';
  if (v < 10) return `${v.toFixed(1)}us`;
  if (v < 1000) return `${Math.round(v)}us`;
  if (v < 1_000_000) return `${(v / 1000).toFixed(1)}ms`;
  return `${(v / 1_000_000).toFixed(2)}s`;
}

function table(rows: string[][], rightAlignFrom = 1): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) => r.map((cell, c) => (c >= rightAlignFrom ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd())
    .join('\n');
}

function segName(s: SegmentReport): string {
  return s.from_host === s.to_host ? `${s.from_host}.${s.from} -> ${s.to}` : `${s.from_host}.${s.from} -> ${s.to_host}.${s.to}`;
}

function segmentRows(segs: SegmentReport[]): string[][] {
  return segs.map((s) => {
    const unc = s.kind === 'wire' && s.uncertainty_us != null ? `±${us(s.uncertainty_us)}` : '';
    const drops = Object.entries(s.drop_reasons ?? {})
      .map(([k, v]) => `${k}:${v}`)
      .join(',');
    return [segName(s), s.kind, String(s.count), us(s.p50_us), us(s.p90_us), us(s.p99_us), us(s.max_us), unc, String(s.lost), `${Math.round((s.share ?? 0) * 100)}%`, drops];
  });
}

function renderDirection(name: string, from: string, to: string, d: DirectionReport | null): string {
  if (!d) return `${name} ${from} -> ${to}: no data`;
  const head = `${name} ${from} -> ${to}: ${d.packets} packets, ${d.lost} lost (hosts ${d.hosts.join(' -> ')})`;
  if (d.segments.length === 0) return `${head}\n  (no segment timed)`;
  const rows = [['  segment', 'kind', 'count', 'p50us', 'p90us', 'p99us', 'maxus', '±us', 'lost', 'share', 'drops'], ...segmentRows(d.segments).map((r) => [`  ${r[0]}`, ...r.slice(1)])];
  if (d.total) {
    const t = d.total;
    rows.push([`  end-to-end ${t.from_host}.${t.from} -> ${t.to_host}.${t.to}`, '', String(t.count), us(t.p50_us), us(t.p90_us), us(t.p99_us), us(t.max_us), t.uncertainty_us ? `±${us(t.uncertainty_us)}` : '', '', '', '']);
  }
  return `${head}\n${table(rows, 2)}`;
}

/** the summary table (final report), or the same for any report */
export function renderPairReport(r: PairReport): string {
  const out: string[] = [];
  const secs = (r.elapsed_ms / 1000).toFixed(1);
  out.push(`xtrace pair ${r.src} -> ${r.dst}  probe ${r.probe_id}, ${secs}s${r.proto ? `, ${r.proto}` : ''}${r.final ? '' : ' (interval)'}`);
  if (r.no_traffic) {
    out.push(`no matching traffic between ${r.src} and ${r.dst} was seen${r.message ? ` (${r.message})` : ''}`);
  } else {
    out.push(renderDirection('forward', r.src, r.dst, r.directions.forward));
    out.push(renderDirection('reverse', r.dst, r.src, r.directions.reverse));
    if (r.vm_turnaround.length > 0) out.push(`vm turnaround:\n${table([['  segment', 'kind', 'count', 'p50us', 'p90us', 'p99us', 'maxus', '±us', 'lost', 'share', 'drops'], ...segmentRows(r.vm_turnaround).map((x) => [`  ${x[0]}`, ...x.slice(1)])], 2)}`);
    for (const b of r.vm_breakdown) out.push(renderVmBreakdown(b).join('\n'));
    if (r.round_trip.length > 0) out.push(`round trip:\n${table([['  segment', 'kind', 'count', 'p50us', 'p90us', 'p99us', 'maxus', '±us', 'lost', 'share', 'drops'], ...segmentRows(r.round_trip).map((x) => [`  ${x[0]}`, ...x.slice(1)])], 2)}`);
  }
  for (const c of r.clock) {
    out.push(`clock: ${c.hosts[1]} - ${c.hosts[0]} = ${c.offset_us >= 0 ? '+' : ''}${c.offset_us.toFixed(1)}us ± ${c.uncertainty_us.toFixed(1)}us (${c.samples} samples, ${c.source})`);
  }
  if (r.stalls.length > 0) out.push(`stalls: ${r.stalls.length} (longest ${Math.max(...r.stalls.map((s) => s.gap_ms)).toFixed(1)} ms)`);
  out.push(
    `transport: ${r.hosts.map((h) => `${h.host} ${h.batches} batches/${h.records} records (${h.lost_batches} lost, ${h.duplicate_batches} dup${h.kernel_counters.ringbuf_full ? `, ringbuf_full ${h.kernel_counters.ringbuf_full}` : ''})`).join('; ')}`,
  );
  if (r.message && !r.no_traffic) out.push(`note: ${r.message}`);
  return out.join('\n');
}

/** one line per interval report: each direction's packets, end-to-end p50/p99 and loss, the clock, the destination VM's split */
export function renderIntervalLine(r: PairReport): string {
  const t = `[${(r.elapsed_ms / 1000).toFixed(1).padStart(5)}s]`;
  if (r.no_traffic) return `${t} no matching traffic yet`;
  const dir = (name: string, d: DirectionReport | null): string => {
    if (!d) return `${name} -`;
    const tot = d.total;
    return `${name} ${d.packets} pkts${tot ? ` e2e p50 ${usUnit(tot.p50_us)} p99 ${usUnit(tot.p99_us)}` : ''} lost ${d.lost}`;
  };
  const clock = r.clock[0] ? ` | clock ${r.clock[0].offset_us >= 0 ? '+' : ''}${r.clock[0].offset_us.toFixed(1)}±${r.clock[0].uncertainty_us.toFixed(1)}us` : '';
  // the answering VM's turnaround, split into the vhost worker's parts and the guest (p50s)
  const dest = r.vm_breakdown.find((b) => b.role === 'destination' && b.count > 0);
  const vm = dest ? ` | ${renderVmSplit(dest, usUnit)}` : '';
  return `${t} ${dir('fwd', r.directions.forward)} | ${dir('rev', r.directions.reverse)}${clock}${vm}`;
}

export function renderAgents(agents: AgentInfo[]): string {
  if (agents.length === 0) return 'no agents registered';
  const now = Date.now();
  return table(
    [
      ['HOST', 'STATE', 'LAST SEEN', 'STAGES', 'PROBES', 'VMS'],
      ...agents.map((a) => [
        a.host,
        a.state,
        `${Math.max(0, Math.round((now - a.last_seen_ms) / 1000))}s ago`,
        `${a.stages_attached}/${a.stages_total}`,
        String(a.probes.length),
        a.vms.map((v) => `${v.tap}:${v.addresses.join(',')}`).join(' '),
      ]),
    ],
    99,
  );
}

export function renderProbes(probes: ProbeInfo[]): string {
  if (probes.length === 0) return 'no probes';
  return table(
    [
      ['PROBE', 'STATE', 'SRC', 'DST', 'PROTO', 'HOSTS', 'DURATION'],
      ...probes.map((p) => [p.probe_id, p.state, p.src, p.dst, p.proto || 'any', p.hosts.join(','), `${p.duration_ms / 1000}s`]),
    ],
    99,
  );
}
