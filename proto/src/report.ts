/**
 * The pair report: one interval or the final summary of a probe. Mirrors the PairReport
 * message of proto/xtrace.proto field for field (snake_case, as the JSON output of
 * `xtrace pair --json`; documented in docs/json-schema.md).
 */
export const PAIR_REPORT_SCHEMA = 'xtrace.pair/v1';

export type SegmentKind = 'host' | 'wire' | 'vm' | (string & {});

/** Same shape as controller/src/analysis/report-types.ts SegmentStats. */
export interface SegmentReport {
  from: string;
  to: string;
  from_host: string;
  to_host: string;
  kind: SegmentKind;
  count: number;
  p50_us: number | null;
  p90_us: number | null;
  p95_us: number | null;
  p99_us: number | null;
  max_us: number | null;
  min_us: number | null;
  mean_us: number | null;
  lost: number;
  drop_reasons: Record<string, number>;
  share: number;
  uncertainty_us?: number | null;
  unresolved?: number | null;
}

export interface TotalReport {
  from: string;
  to: string;
  from_host: string;
  to_host: string;
  count: number;
  p50_us: number | null;
  p90_us: number | null;
  p95_us: number | null;
  p99_us: number | null;
  max_us: number | null;
  min_us: number | null;
  mean_us: number | null;
  uncertainty_us: number;
}

export interface DirectionReport {
  hosts: string[];
  packets: number;
  lost: number;
  segments: SegmentReport[];
  total: TotalReport | null;
}

export interface ClockReport {
  hosts: string[];
  offset_us: number;
  uncertainty_us: number;
  samples: number;
  min_delay_us: number | null;
  source: string;
}

export interface StallReport {
  direction: string;
  host: string;
  stage: string;
  flow_hash: number;
  gap_ms: number;
  typical_gap_ms: number;
  ts_ns: string;
  detected_at_ms: number;
}

export interface DropSiteReport {
  direction: string;
  host: string;
  location: string;
  reason: string;
  from: string;
  to: string;
  count: number;
}

export interface HostAccountingReport {
  host: string;
  boot_id: string;
  batches: number;
  records: number;
  lost_batches: number;
  duplicate_batches: number;
  kernel_counters: Record<string, number>;
}

/** One report of a probe (interval or final): the matcher's ProbeReport plus probe metadata. */
export interface PairReport {
  schema: string;
  probe_id: string;
  src: string;
  dst: string;
  proto: string;
  seq: number;
  final: boolean;
  state: string;
  started_at_ms: number;
  elapsed_ms: number;
  no_traffic: boolean;
  message: string;
  table: string;
  interval: { start: number; end: number } | null;
  directions: { forward: DirectionReport | null; reverse: DirectionReport | null };
  vm_turnaround: SegmentReport[];
  round_trip: SegmentReport[];
  clock: ClockReport[];
  stalls: StallReport[];
  drop_sites: DropSiteReport[];
  counters: Record<string, number>;
  hosts: HostAccountingReport[];
}

const SEGMENT_NULLABLE = ['p50_us', 'p90_us', 'p95_us', 'p99_us', 'max_us', 'min_us', 'mean_us'] as const;

function fillNulls<T extends object>(o: T, keys: readonly string[]): T {
  const r = o as Record<string, unknown>;
  for (const k of keys) if (r[k] === undefined) r[k] = null;
  return o;
}

function normalizeSegment(s: SegmentReport): SegmentReport {
  fillNulls(s, SEGMENT_NULLABLE);
  if (s.kind === 'wire') fillNulls(s, ['uncertainty_us', 'unresolved']);
  else {
    if (s.uncertainty_us == null) delete s.uncertainty_us;
    if (s.unresolved == null) delete s.unresolved;
  }
  return s;
}

/**
 * A report as gRPC decoded it (absent optionals) -> the documented JSON (null for unknown
 * latencies, null for a missing direction). Mutates and returns `r`.
 */
export function normalizePairReport(r: PairReport): PairReport {
  r.directions ??= { forward: null, reverse: null };
  for (const key of ['forward', 'reverse'] as const) {
    const d = r.directions[key] ?? null;
    r.directions[key] = d;
    if (d) {
      d.segments = (d.segments ?? []).map(normalizeSegment);
      d.total = d.total ? fillNulls(d.total, SEGMENT_NULLABLE) : null;
    }
  }
  r.vm_turnaround = (r.vm_turnaround ?? []).map(normalizeSegment);
  r.round_trip = (r.round_trip ?? []).map(normalizeSegment);
  r.clock = (r.clock ?? []).map((c) => fillNulls(c, ['min_delay_us']));
  r.interval ??= null;
  return r;
}

export type ProbeState = 'starting' | 'running' | 'stopping' | 'done' | 'failed';

export interface ProbeInfo {
  probe_id: string;
  src: string;
  dst: string;
  proto: string;
  port: number;
  duration_ms: number;
  interval_ms: number;
  hosts: string[];
  src_host: string;
  dst_host: string;
  state: ProbeState | (string & {});
  started_at_ms: number;
  sample_k: number;
  sample_n: number;
}

export interface AgentInfo {
  host: string;
  boot_id: string;
  state: 'up' | 'down' | (string & {});
  last_seen_ms: number;
  started_at_ms: number;
  version: string;
  vms: { tap: string; addresses: string[] }[];
  probes: string[];
  stages_attached: number;
  stages_total: number;
}

export interface StartPairProbeRequest {
  src: string;
  dst: string;
  proto: string;
  port: number;
  duration_ms: number;
  interval_ms: number;
  sample_k: number;
  sample_n: number;
  keep_on_disconnect: boolean;
}
