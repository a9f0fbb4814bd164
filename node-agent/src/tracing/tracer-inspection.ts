/**
 * What `xtrace inspect` shows of one agent's kernel side, like bpftool for xtrace's own objects:
 * each program (kernel id, type, run count and time while bpf_stats is on, what it is attached
 * to), each link, each map with its fill (hash maps: keys counted; arrays are always full; the
 * ring buffer's size), the kernel counters and the stage plan (stage-plan-view.ts).
 */
import { readFileSync } from 'node:fs';
import { MAP_USED_NOT_COUNTED, type AgentInspection, type InspectMap } from '@xtrace/proto';
import type { BpfObject, RingBufferStats } from '@xtrace/native';
import { describeBtf, type BtfSource } from '../btf-source.js';
import type { StagePlan } from './stage-plan.js';
import { stagePlanView } from './stage-plan-view.js';
import type { Counters, StageReport } from './tracer-api.js';

/** An agent's inspection without who it is (the agent adds host and boot id). */
export type TracerInspection = Omit<AgentInspection, 'host' | 'boot_id' | 'error'>;

/** map types whose entries come and go: their keys are counted (at most max_entries, a few thousand here) */
const COUNTED_TYPES = new Set(['hash', 'lru_hash', 'percpu_hash', 'lru_percpu_hash']);

const BPF_STATS_SYSCTL = '/proc/sys/kernel/bpf_stats_enabled';

/** kernel.bpf_stats_enabled set by the sysctl (a process holding BPF_ENABLE_STATS turns stats on without it showing here) */
export function bpfStatsSysctl(path = BPF_STATS_SYSCTL): boolean {
  try {
    return readFileSync(path, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

interface InspectionSource {
  object: Pick<BpfObject, 'programInfo' | 'mapInfo' | 'linkInfo' | 'mapKeys'>;
  ring: RingBufferStats | undefined;
  recordBatching: boolean;
  counters: Counters;
  plan: StagePlan;
  reports: StageReport[];
  btf: BtfSource;
}

function mapFill(object: InspectionSource['object'], m: { name: string; type: string; maxEntries: number }): number {
  if (!COUNTED_TYPES.has(m.type)) return MAP_USED_NOT_COUNTED;
  // a key deleted during the walk restarts it (bpf_map_get_next_key): never more than the map holds
  return Math.min(object.mapKeys(m.name).length, m.maxEntries);
}

export function inspectTracer(s: InspectionSource): TracerInspection {
  const links = s.object.linkInfo();
  const attachedTo = new Map<string, string[]>();
  for (const l of links) attachedTo.set(l.program, [...(attachedTo.get(l.program) ?? []), `${l.kind} ${l.target}`]);
  const maps: InspectMap[] = s.object.mapInfo().map((m) => ({
    name: m.name,
    id: m.id,
    type: m.type,
    key_size: m.keySize,
    value_size: m.valueSize,
    max_entries: m.maxEntries,
    used: mapFill(s.object, m),
  }));
  const programs = s.object.programInfo();
  return {
    inspected_at_ms: Date.now(),
    btf: describeBtf(s.btf),
    bpf_stats: bpfStatsSysctl() || programs.some((p) => p.runCount > 0),
    programs: programs.map((p) => ({
      name: p.name,
      section: p.section,
      loaded: p.loaded,
      id: p.id,
      type: p.type,
      run_count: p.runCount,
      run_time_ns: p.runTimeNs,
      recursion_misses: p.recursionMisses,
      xlated_bytes: p.xlatedBytes,
      jited_bytes: p.jitedBytes,
      attached: attachedTo.get(p.name) ?? [],
    })),
    links: links.map((l) => ({ kind: l.kind, program: l.program, target: l.target, link_id: l.linkId, link_type: l.linkType, prog_id: l.progId })),
    maps,
    counters: { ...s.counters },
    stage_plan: stagePlanView(s.plan, s.reports),
    ring: {
      size_bytes: maps.find((m) => m.name === 'xt_events')?.max_entries ?? 0,
      records: s.ring?.records ?? 0,
      batches: s.ring?.batches ?? 0,
      backpressure_pauses: s.ring?.backpressurePauses ?? 0,
      record_batching: s.recordBatching,
    },
  };
}
