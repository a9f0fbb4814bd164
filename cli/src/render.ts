/**
 * The CLI's own human output: the one-line progress summary of an interval report, agent and
 * probe lists (the JSON forms are the structured ones). A whole report renders with
 * @xtrace/proto/render's renderPairReport, the controller's renderer.
 */
import type { AgentInfo, DirectionReport, PairReport, ProbeInfo } from '@xtrace/proto';
import { renderVmSplit, table, vmEndpointLabel } from '@xtrace/proto/render';

/** µs with its unit, short: "3.4us", "12us", "5.0ms", "2.10s"; null -> "-" */
function usUnit(v: number | null | undefined): string {
  if (v === null || v === undefined) return '-';
  if (v < 10) return `${v.toFixed(1)}us`;
  if (v < 1000) return `${Math.round(v)}us`;
  if (v < 1_000_000) return `${(v / 1000).toFixed(1)}ms`;
  return `${(v / 1_000_000).toFixed(2)}s`;
}

/**
 * One line per interval report: each direction's packets, end-to-end p50/p99 and loss, the clock,
 * the destination VM's split. `seenBefore`: an earlier interval had traffic (an empty one then
 * says the traffic stopped, not that none came yet).
 */
export function renderIntervalLine(r: PairReport, seenBefore = false): string {
  const t = `[${(r.elapsed_ms / 1000).toFixed(1).padStart(5)}s]`;
  if (r.no_traffic) return `${t} ${seenBefore ? 'no matching traffic in this interval' : 'no matching traffic yet'}`;
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
      ['HOST', 'STATE', 'LAST SEEN', 'STAGES', 'PROBES', 'BTF', 'VMS'],
      ...agents.map((a) => [
        a.host,
        a.state,
        `${Math.max(0, Math.round((now - a.last_seen_ms) / 1000))}s ago`,
        `${a.stages_attached}/${a.stages_total}`,
        String(a.probes.length),
        a.btf || '-',
        // a named VM: name@tap:addresses (the name `xtrace pair --src` takes)
        a.vms.map((v) => `${v.name ? `${v.name}@` : ''}${v.tap}:${v.addresses.join(',')}`).join(' '),
      ]),
    ],
  );
}

export function renderProbes(probes: ProbeInfo[]): string {
  if (probes.length === 0) return 'no probes';
  return table(
    [
      ['PROBE', 'STATE', 'SRC', 'DST', 'PROTO', 'HOSTS', 'DURATION'],
      ...probes.map((p) => [p.probe_id, p.state, vmEndpointLabel(p.src_vm, p.src), vmEndpointLabel(p.dst_vm, p.dst), p.proto || 'any', p.hosts.join(','), `${p.duration_ms / 1000}s`]),
    ],
  );
}
