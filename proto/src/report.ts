/**
 * The report of a probe, single source for the matcher (controller/src/analysis), the
 * controller's PairReport, the CLI and the tests. Mirrors the messages of proto/xtrace.proto
 * field for field (snake_case, as the JSON output of `xtrace pair --json`; documented in
 * docs/json-schema.md). Plain JSON-able objects. Times in µs (floats) unless the name says
 * otherwise; latencies null when unknown (no samples, or a wire segment whose clock offset
 * could not be estimated).
 */
export const PAIR_REPORT_SCHEMA = 'xtrace.pair/v2';

export type SegmentKind = 'host' | 'wire' | 'vm';

/**
 * Upper bounds (µs, inclusive) of the latency histogram each segment carries: 1 µs … 4.19 s,
 * each twice the previous (Prometheus `le` values are these / 1e6 s).
 */
export const LATENCY_BUCKET_BOUNDS_US: readonly number[] = Object.freeze(Array.from({ length: 23 }, (_, i) => 2 ** i));

/** A segment's latency distribution over LATENCY_BUCKET_BOUNDS_US, mergeable by adding. */
export interface LatencyHistogram {
  /**
   * samples per bucket, not cumulative: counts[i] in (bound[i-1], bound[i]], the last one
   * (index LATENCY_BUCKET_BOUNDS_US.length) above the last bound; sums to the segment's count
   */
  counts: number[];
  /** sum of every sample, µs */
  sum_us: number;
}

export interface SegmentReport {
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
  uncertainty_us?: number | null;
  /** wire only: crossings whose latency is unknown (no clock offset estimate yet) */
  unresolved?: number | null;
  /** the latencies behind the quantiles, over LATENCY_BUCKET_BOUNDS_US; null in a report that carries none */
  histogram?: LatencyHistogram | null;
}

export interface TotalReport {
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
  segments: SegmentReport[];
  /** end-to-end one-way latency of packets seen at both the first and last known stage */
  total: TotalReport | null;
}

export interface ClockReport {
  /** offset is clock(hosts[1]) - clock(hosts[0]) (CLOCK_MONOTONIC) */
  hosts: [string, string];
  offset_us: number;
  uncertainty_us: number;
  /** samples in the estimator window (0 for a hint) */
  samples: number;
  min_delay_us: number | null;
  /** pairs: request/reply, NTP-style; hint: the hosts' wall clocks */
  source: 'pairs' | 'hint';
}

export interface StallReport {
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

export interface DropSiteReport {
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

/**
 * The parts of a VM's share of the path, each between two stages on that VM's hypervisor (one
 * clock). A destination VM's turnaround (its host's tap_tx of the request to tap_rx of the
 * reply) splits into: the vhost worker waking for the request (`rx_worker_wait`, tap_tx ->
 * vhost_rx), copying it into the guest's ring and requesting the interrupt (`rx_copy_signal`,
 * vhost_rx -> kvm_irq), the guest (`guest`, kvm_irq -> the reply's guest_kick, or its vhost_tx
 * when the worker was already running and no kick was needed), the worker waking for the
 * guest's kick (`tx_worker_wait`, guest_kick -> vhost_tx, 0 without a kick) and building the
 * reply's skb (`tx_build`, vhost_tx -> tap_rx). A source VM's request leaving: `tx_worker_wait`
 * and `tx_build`.
 */
export const VM_PART_NAMES = ['rx_worker_wait', 'rx_copy_signal', 'guest', 'tx_worker_wait', 'tx_build'] as const;
export type VmPartName = (typeof VM_PART_NAMES)[number];

/**
 * One part of a VM breakdown: a segment (kind 'vm' for the guest, 'host' for vhost's parts) with
 * its name; its `share` is its part of the breakdown's total (the parts' shares add up to 1).
 */
export interface VmPartReport extends SegmentReport {
  part: VmPartName;
}

/**
 * Where a VM's time goes, per exchange (destination) or per packet (source), on its
 * hypervisor's clock. Only exchanges/packets with every point of the breakdown count, so the
 * parts' sums add up to the total's sum exactly (means add up; quantiles do not).
 */
export interface VmBreakdownReport {
  /** the hypervisor of the VM */
  host: string;
  /** destination: the VM answering the probe's requests; source: the VM sending them */
  role: 'destination' | 'source';
  /** exchanges (destination) or request packets (source) broken down */
  count: number;
  /** what the parts add up to: destination tap_tx -> reply tap_rx; source guest_kick -> tap_rx */
  total: SegmentReport;
  /** in path order */
  parts: VmPartReport[];
  /**
   * exchanges or packets not broken down, by reason: `no_interrupt` (the worker's interrupt
   * was suppressed: the guest polled), `no_vhost` (a vhost stage missing: the VM is not on
   * vhost-net, or its hooks did not attach), `out_of_order` (a part came out below zero: the
   * points were not in path order)
   */
  incomplete: Record<string, number>;
}

/** The matcher's counters, cumulative since it started (not per interval). */
export type AnalysisCounters = {
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
  /** UDP/TCP replies paired before their hold ran out, because a bound on held packets was reached */
  pairs_settled_early: number;
  /** a host's boot id changed: its clock restarted */
  host_reboots: number;
  stall_events_dropped: number;
  /** still pending when finish() ended the run: not counted as loss */
  unfinished: number;
  /** packets currently pending (not yet finalized) */
  pending: number;
};

/**
 * The matcher's output: one interval (takeIntervalReport) or the whole run
 * (totalReport/finish). A packet counts in the interval in which it was finalized
 * (completed, or expired timeoutMs after its first record).
 */
export interface AnalysisReport {
  /** controller time, ms */
  interval: { start: number; end: number };
  directions: { forward: DirectionReport; reverse: DirectionReport };
  /**
   * destination VM turnaround: request's last stage -> reply's first stage on the answering
   * host (with vhost stages: kvm_irq -> guest_kick, the guest alone)
   */
  vm_turnaround: SegmentReport[];
  /** the VMs' parts (vhost worker, interrupt, guest) per exchange; empty without vhost stages */
  vm_breakdown: VmBreakdownReport[];
  /** source-side round trip on the requesting host: request's first stage -> reply's last stage */
  round_trip: SegmentReport[];
  clock: ClockReport[];
  stalls: StallReport[];
  drop_sites: DropSiteReport[];
  counters: AnalysisCounters;
}

/** Transport accounting of one host's batch stream (controller side). */
export interface HostAccountingReport {
  host: string;
  boot_id: string;
  batches: number;
  records: number;
  /** gaps in the agent's batch seq, plus batches it sent that never arrived */
  lost_batches: number;
  duplicate_batches: number;
  /** ringbuf_full, parse_fail, ...: increase during the probe */
  kernel_counters: Record<string, number>;
}

/**
 * One report of a probe (interval or final): the matcher's AnalysisReport plus probe
 * metadata. The analysis part is empty (null interval and directions, no counters) when the
 * matcher failed.
 */
export interface PairReport extends Omit<AnalysisReport, 'interval' | 'directions' | 'counters'> {
  schema: string;
  probe_id: string;
  src: string;
  dst: string;
  proto: string;
  /** report number, from 1 */
  seq: number;
  /** the summary over the whole probe */
  final: boolean;
  state: string;
  started_at_ms: number;
  elapsed_ms: number;
  /** no matching packet (so far) */
  no_traffic: boolean;
  /** why it ended, warnings */
  message: string;
  /** human rendering of this report */
  table: string;
  interval: AnalysisReport['interval'] | null;
  directions: { forward: DirectionReport | null; reverse: DirectionReport | null };
  counters: Partial<AnalysisCounters>;
  hosts: HostAccountingReport[];
}

const SEGMENT_NULLABLE = ['p50_us', 'p90_us', 'p95_us', 'p99_us', 'max_us', 'min_us', 'mean_us'] as const;

function fillNulls<T extends object>(o: T, keys: readonly string[]): T {
  const r = o as Record<string, unknown>;
  for (const k of keys) if (r[k] === undefined) r[k] = null;
  return o;
}

function normalizeSegment<S extends SegmentReport>(s: S): S {
  fillNulls(s, SEGMENT_NULLABLE);
  if (s.kind === 'wire') fillNulls(s, ['uncertainty_us', 'unresolved']);
  else {
    if (s.uncertainty_us == null) delete s.uncertainty_us;
    if (s.unresolved == null) delete s.unresolved;
  }
  s.histogram ??= null;
  return s;
}

function normalizeVmBreakdown(b: VmBreakdownReport): VmBreakdownReport {
  normalizeSegment(b.total);
  b.parts = (b.parts ?? []).map(normalizeSegment);
  b.incomplete ??= {};
  return b;
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
  r.vm_breakdown = (r.vm_breakdown ?? []).map(normalizeVmBreakdown);
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

/** One message of RunPairProbe's stream: the started probe first, then its reports. */
export type PairProbeEvent = { kind: 'started'; started: ProbeInfo } | { kind: 'report'; report: PairReport };
