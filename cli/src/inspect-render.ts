/**
 * `xtrace inspect`'s human output: per agent, its programs, links, maps with their fill, kernel
 * counters, ring buffer and stage plan as tables (the --json form is the structured one:
 * proto/xtrace.proto AgentInspection).
 */
import type { AgentInspection, InspectMap, InspectProgram, InspectStage } from '@xtrace/proto';
import { MAP_USED_NOT_COUNTED } from '@xtrace/proto';
import { table } from '@xtrace/proto/render';

function bytes(n: number): string {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} B`;
}

const indent = (text: string): string => text.split('\n').map((l) => `  ${l}`).join('\n');

function programs(list: InspectProgram[], stats: boolean): string {
  const loaded = list.filter((p) => p.loaded);
  const rows = loaded.map((p) => [
    p.name,
    p.type,
    String(p.id),
    stats || p.run_count > 0 ? String(p.run_count) : '-',
    p.run_count > 0 ? (p.run_time_ns / p.run_count).toFixed(1) : '-',
    String(p.xlated_bytes),
    p.attached.join(', ') || '(not attached)',
  ]);
  const idle = list.filter((p) => !p.loaded).map((p) => p.name);
  return [
    table([['PROGRAM', 'TYPE', 'ID', 'RUNS', 'NS/RUN', 'XLATED', 'ATTACHED TO'], ...rows]),
    ...(idle.length > 0 ? [`not loaded (this host's plan or kernel does not use them): ${idle.join(', ')}`] : []),
  ].join('\n');
}

function fill(m: InspectMap): string {
  if (m.type === 'ringbuf') return `${bytes(m.max_entries)} ring`;
  if (m.used === MAP_USED_NOT_COUNTED) return `${m.max_entries} (array: always full)`;
  return `${m.used}/${m.max_entries} (${((100 * m.used) / Math.max(1, m.max_entries)).toFixed(0)}%)`;
}

function stagePlan(stages: InspectStage[]): string {
  const rows = stages.map((s) => {
    // why each better candidate (or, unattached, every one) was not taken: the first line of each reason
    const why = s.fallbacks.map((f) => `${f.candidate}: ${f.reason.split('\n')[0]}`).join('; ');
    return [s.stage, s.kind, s.devices.join(', ') || '-', s.attached ? s.hook : 'not attached', s.candidates.join(' > ') || '-', why];
  });
  return table([['STAGE', 'KIND', 'DEVICES', 'HOOK', 'CANDIDATES (best first)', 'NOT TAKEN, WHY'], ...rows]);
}

export function renderInspection(a: AgentInspection): string {
  if (a.error) return `${a.host}: ${a.error}`;
  const statsLine = a.bpf_stats
    ? 'bpf_stats on: RUNS and NS/RUN count every program run'
    : 'bpf_stats off: the kernel keeps no run counts or times (turn on: sysctl kernel.bpf_stats_enabled=1; off again after)';
  const ring = a.ring;
  const ringLine = ring
    ? `ring buffer xt_events: ${bytes(ring.size_bytes)}, ${ring.records} records in ${ring.batches} batches handed to the agent, ${ring.backpressure_pauses} backpressure pauses, per-CPU record batching ${ring.record_batching ? 'on' : 'off'}`
    : 'ring buffer: not open';
  const counters = Object.entries(a.counters).map(([k, v]) => [k, String(v)]);
  return [
    `${a.host} (boot ${a.boot_id.slice(0, 8)}): BTF ${a.btf}; ${statsLine}`,
    'programs:',
    indent(programs(a.programs, a.bpf_stats)),
    'links:',
    indent(
      a.links.length === 0
        ? '(none)'
        : table([['LINK', 'TYPE', 'PROG', 'PROGRAM', 'KIND', 'TARGET'], ...a.links.map((l) => [l.link_id ? String(l.link_id) : '-', l.link_type || '(tc filter)', String(l.prog_id), l.program, l.kind, l.target])]),
    ),
    'maps:',
    indent(table([['MAP', 'TYPE', 'ID', 'KEY', 'VALUE', 'FILL'], ...a.maps.map((m) => [m.name, m.type, String(m.id), String(m.key_size), String(m.value_size), fill(m)])])),
    'kernel counters (summed over CPUs since the agent started):',
    indent(counters.length === 0 ? '(none)' : table(counters, { rightFrom: 1 })),
    ringLine,
    'stage plan:',
    indent(stagePlan(a.stage_plan)),
  ].join('\n');
}

export function renderInspections(agents: AgentInspection[]): string {
  if (agents.length === 0) return 'no agents up';
  return agents.map(renderInspection).join('\n\n');
}
