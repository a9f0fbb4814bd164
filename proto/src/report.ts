/**
 * The report of a probe, single source for the matcher (controller/src/analysis), the
 * controller's PairReport, the CLI and the tests. The types are the messages of
 * proto/xtrace.proto as proto-loader decodes them (proto/src/generated/, `npm run gen:proto -w
 * @xtrace/proto`), in the shape of the report JSON (`xtrace pair --json`, docs/json-schema.md):
 * snake_case, a proto3 `optional` latency present and null when unknown (no samples, or a wire
 * segment whose clock offset could not be estimated), and the strings the .proto documents as
 * enumerations narrowed to them. normalizePairReport turns a decoded message into this shape.
 * Plain JSON-able objects. Times in µs (floats) unless the name says otherwise.
 */
import type { ClockEstimate__Output } from './generated/xtrace/v1/ClockEstimate.js';
import type { Direction__Output } from './generated/xtrace/v1/Direction.js';
import type { DropSite__Output } from './generated/xtrace/v1/DropSite.js';
import type { PcapFile__Output } from './generated/xtrace/v1/PcapFile.js';
import type { HostAccounting__Output } from './generated/xtrace/v1/HostAccounting.js';
import type { Interval__Output } from './generated/xtrace/v1/Interval.js';
import type { LatencyHistogram__Output } from './generated/xtrace/v1/LatencyHistogram.js';
import type { AgentInfo__Output } from './generated/xtrace/v1/AgentInfo.js';
import type { PairReport__Output } from './generated/xtrace/v1/PairReport.js';
import type { ProbeInfo__Output } from './generated/xtrace/v1/ProbeInfo.js';
import type { Segment__Output } from './generated/xtrace/v1/Segment.js';
import type { Stall__Output } from './generated/xtrace/v1/Stall.js';
import type { StartPairProbeRequest__Output } from './generated/xtrace/v1/StartPairProbeRequest.js';
import type { Total__Output } from './generated/xtrace/v1/Total.js';
import type { VmBreakdown__Output } from './generated/xtrace/v1/VmBreakdown.js';
import type { VmPart__Output } from './generated/xtrace/v1/VmPart.js';

import type { NullWhenAbsent, Refine } from './message-refinement.js';

export type { PairReport__Output };

export const PAIR_REPORT_SCHEMA = 'xtrace.pair/v2';

export type SegmentKind = 'host' | 'wire' | 'vm';

/**
 * Upper bounds (µs, inclusive) of the latency histogram each segment carries: 1 µs … 4.19 s,
 * each twice the previous (Prometheus `le` values are these / 1e6 s).
 */
export const LATENCY_BUCKET_BOUNDS_US: readonly number[] = Object.freeze(Array.from({ length: 23 }, (_, i) => 2 ** i));

/**
 * A segment's latency distribution over LATENCY_BUCKET_BOUNDS_US, mergeable by adding: counts[i]
 * in (bound[i-1], bound[i]], not cumulative, the last one (index LATENCY_BUCKET_BOUNDS_US.length)
 * above the last bound; they sum to the segment's count. sum_us: every sample's sum.
 */
export type LatencyHistogram = LatencyHistogram__Output;

/** what a segment (or a VM part, its copy in the .proto) narrows */
type SegmentRefinement = {
  kind: SegmentKind;
  /** wire only: ± bound on every latency, from the clock offset estimate (absent on other kinds) */
  uncertainty_us?: number | null;
  /** wire only: crossings whose latency is unknown (no clock offset estimate yet) */
  unresolved?: number | null;
  /** the latencies behind the quantiles, over LATENCY_BUCKET_BOUNDS_US; null in a report that carries none */
  histogram?: LatencyHistogram | null;
};

/**
 * A segment between two stages (proto Segment): its latencies (null when unknown), the packets
 * seen at `from` and never at `to` within the timeout (`lost`) with their kernel drop reasons by
 * name, and its part of its direction's summed latency (`share`, 0..1).
 */
export type SegmentReport = Refine<NullWhenAbsent<Segment__Output>, SegmentRefinement>;

/**
 * End-to-end one-way latency of a direction (proto Total), between the first and last stage of
 * the path as seen; `uncertainty_us` sums the wire uncertainties on the way (0 for one host).
 */
export type TotalReport = NullWhenAbsent<Total__Output>;

/** One direction (proto Direction): hosts in crossing order, packets finalized, its segments. */
export type DirectionReport = Refine<Direction__Output, { segments: SegmentReport[]; total: TotalReport | null }>;

/** offset is clock(hosts[1]) - clock(hosts[0]) (CLOCK_MONOTONIC); `samples` is 0 for a hint */
export type ClockReport = Refine<
  NullWhenAbsent<ClockEstimate__Output>,
  {
    hosts: [string, string];
    /** pairs: request/reply, NTP-style; hint: the hosts' wall clocks */
    source: 'pairs' | 'hint';
  }
>;

/**
 * A flow's gap at a stage (proto Stall): `typical_gap_ms` is the flow's EWMA gap before it,
 * `ts_ns` the host CLOCK_MONOTONIC of the packet that ended it (decimal string),
 * `detected_at_ms` controller time.
 */
export type StallReport = Refine<Stall__Output, { direction: 'forward' | 'reverse' }>;

/** Drops at one kfree_skb location (hex kernel text address), attributed to segment from -> to. */
export type DropSiteReport = Refine<DropSite__Output, { direction: 'forward' | 'reverse' }>;

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
export type VmPartReport = Refine<NullWhenAbsent<VmPart__Output>, SegmentRefinement & { part: VmPartName }>;

/**
 * Where a VM's time goes, per exchange (destination) or per packet (source), on its
 * hypervisor's clock (proto VmBreakdown). Only exchanges/packets with every point of the
 * breakdown count, so the parts' sums add up to the total's sum exactly (means add up;
 * quantiles do not). `count`: exchanges (destination) or request packets (source) broken down.
 * `incomplete`: exchanges or packets not broken down, by reason: `no_interrupt` (the worker's
 * interrupt was suppressed: the guest polled), `no_vhost` (a vhost stage missing: the VM is not
 * on vhost-net, or its hooks did not attach), `out_of_order` (a part came out below zero: the
 * points were not in path order).
 */
export type VmBreakdownReport = Refine<
  VmBreakdown__Output,
  {
    /** destination: the VM answering the probe's requests; source: the VM sending them */
    role: 'destination' | 'source';
    /** what the parts add up to: destination tap_tx -> reply tap_rx; source guest_kick -> tap_rx */
    total: SegmentReport;
    /** in path order */
    parts: VmPartReport[];
  }
>;

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
 * Transport accounting of one host's batch stream (controller side; proto HostAccounting);
 * lost_records is null when the agent's envelopes do not say where their records start (older agents).
 */
export type HostAccountingReport = NullWhenAbsent<HostAccounting__Output>;

/**
 * One report of a probe (interval or final): the matcher's AnalysisReport plus probe
 * metadata (proto PairReport). The analysis part is empty (null interval and directions, no
 * counters) when the matcher failed.
 */
export type PairReport = Refine<
  PairReport__Output,
  {
    /** controller time, ms */
    interval: Interval__Output | null;
    directions: { forward: DirectionReport | null; reverse: DirectionReport | null };
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
    counters: Partial<AnalysisCounters>;
    hosts: HostAccountingReport[];
  }
>;

/**
 * The matcher's output: one interval (takeIntervalReport) or the whole run
 * (totalReport/finish), the analysis part of a PairReport. A packet counts in the interval in
 * which it was finalized (completed, or expired timeoutMs after its first record).
 */
export type AnalysisReport = Refine<
  Pick<PairReport, 'vm_turnaround' | 'vm_breakdown' | 'round_trip' | 'clock' | 'stalls' | 'drop_sites'>,
  {
    /** controller time, ms */
    interval: Interval__Output;
    directions: { forward: DirectionReport; reverse: DirectionReport };
    counters: AnalysisCounters;
  }
>;

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
 * A report as gRPC decoded it (PairReport__Output: absent optionals; or from an older sender,
 * a field missing) -> the documented JSON (null for unknown latencies, null for a missing
 * direction). Mutates and returns `r`; the one conversion from the decoded message.
 */
export function normalizePairReport(decoded: PairReport__Output | PairReport): PairReport {
  const r = decoded as PairReport;
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
  r.hosts = (r.hosts ?? []).map((h) => fillNulls(h, ['lost_records']));
  r.interval ??= null;
  return r;
}

export type ProbeState = 'starting' | 'running' | 'stopping' | 'done' | 'failed';

export type ProbeInfo = Refine<ProbeInfo__Output, { state: ProbeState | (string & {}) }>;

export type AgentInfo = Refine<AgentInfo__Output, { state: 'up' | 'down' | (string & {}) }>;

/** `pcap_snaplen` may be left out: absent (proto3's 0) is no capture, as for a client that predates it */
export type StartPairProbeRequest = Omit<StartPairProbeRequest__Output, 'pcap_snaplen'> & { pcap_snaplen?: number };

/**
 * One message of RunPairProbe's stream: the started probe first, then its reports; the final
 * report's event carries `pcapng` when the probe was started with pcap_snaplen.
 */
export type PairProbeEvent = { kind: 'started'; started: ProbeInfo } | { kind: 'report'; report: PairReport; pcap?: PcapFile };

/** A probe's captures as a pcapng file (proto PcapFile); `dropped` as a number */
export type PcapFile = Omit<PcapFile__Output, 'dropped'> & { dropped: number };
