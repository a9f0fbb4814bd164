/**
 * The analysis output: plain JSON-able objects, the shape of `xtrace pair --json`.
 * Times in µs (floats) unless the name says otherwise; latencies null when unknown
 * (no samples, or a wire segment whose clock offset could not be estimated).
 */
export type SegmentKind = 'host' | 'wire' | 'vm';

export interface SegmentStats {
  /** stage names (proto StageName) */
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
  /** packets seen at `from` and never at `to` (nor later) within the timeout */
  lost: number;
  /** kernel drop reasons of the lost packets, by name */
  drop_reasons: Record<string, number>;
  /** this segment's part of the summed latency of its direction (0..1) */
  share: number;
  /** wire only: ± bound on every latency above, from the clock offset estimate */
  uncertainty_us?: number;
  /** wire only: crossings whose latency is unknown (no clock offset estimate yet) */
  unresolved?: number;
}

export interface TotalStats {
  /** first and last stage of the path as seen (e.g. vhost_tx -> kvm_irq) */
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
  /** sum of the wire uncertainties on the way; 0 for a same-host path */
  uncertainty_us: number;
}

export interface DirectionReport {
  /** hosts in crossing order */
  hosts: string[];
  /** packets finalized in this direction */
  packets: number;
  lost: number;
  segments: SegmentStats[];
  /** end-to-end one-way latency of packets seen at both the first and last known stage */
  total: TotalStats | null;
}

export interface ClockReport {
  /** offset is clock(hosts[1]) - clock(hosts[0]) (CLOCK_MONOTONIC) */
  hosts: [string, string];
  offset_us: number;
  uncertainty_us: number;
  /** samples in the estimator window (0 for a hint) */
  samples: number;
  min_delay_us: number | null;
  source: 'pairs' | 'hint';
}

export interface StallEvent {
  direction: 'forward' | 'reverse';
  host: string;
  stage: string;
  flow_hash: number;
  gap_ms: number;
  /** typical gap of the flow before the stall (EWMA), ms */
  typical_gap_ms: number;
  /** host CLOCK_MONOTONIC of the packet that ended the gap, ns, decimal string */
  ts_ns: string;
  /** controller time when it was detected, ms */
  detected_at_ms: number;
}

export interface DropSite {
  direction: 'forward' | 'reverse';
  host: string;
  /** kfree_skb location, hex kernel text address */
  location: string;
  reason: string;
  /** segment the drop was attributed to */
  from: string;
  to: string;
  count: number;
}

export interface AnalysisCounters {
  batches: number;
  /** batches the caller reported lost, plus gaps in each host's batch seq */
  lost_batches: number;
  records_in: number;
  /** records without this probe's bit in probe_mask */
  records_other_probe: number;
  /** records from a host that is not on the probe's path */
  records_unknown_host: number;
  /** stage id not on the path for that host and direction */
  records_bad_stage: number;
  /** the same host+stage seen twice for one packet (first kept) */
  duplicates: number;
  /** records for a packet already finalized */
  late_records: number;
  drop_records: number;
  /** distinct packets finalized */
  packets: number;
  /** finalized with every expected stage, or reaching the last stage */
  matched: number;
  /** expired before reaching the last stage: counted as loss */
  expired_incomplete: number;
  /** pushed out by the pending-packet limit before their timeout */
  evicted: number;
  /** reached the end but skipped a stage that other packets show */
  partial: number;
  /** latency samples below zero (hook order/clock anomaly), recorded as 0 */
  negative_latency: number;
  /** drop records for packets that still reached the last stage (clones, copies) */
  drops_after_delivery: number;
  /** packets known only from a DROP record (no stage of the path saw them) */
  drops_before_path: number;
  /** request/reply pairs found */
  pairs: number;
  /** a host's boot id changed: its clock restarted */
  host_reboots: number;
  stall_events_dropped: number;
  /** still pending when finish() ended the run: not counted as loss */
  unfinished: number;
  /** packets currently pending (not yet finalized) */
  pending: number;
}

/**
 * One interval (takeIntervalReport) or the whole run (totalReport/finish). A packet counts in
 * the interval in which it was finalized (completed, or expired timeoutMs after its first record).
 */
export interface ProbeReport {
  /** controller time, ms */
  interval: { start: number; end: number };
  directions: { forward: DirectionReport; reverse: DirectionReport };
  /** destination VM turnaround: request's last stage -> reply's first stage on the answering host */
  vm_turnaround: SegmentStats[];
  /** source-side round trip on the requesting host: request's first stage -> reply's last stage */
  round_trip: SegmentStats[];
  clock: ClockReport[];
  stalls: StallEvent[];
  drop_sites: DropSite[];
  /** cumulative since the matcher started (not per interval) */
  counters: AnalysisCounters;
}
