/**
 * What the matcher (path-matcher.ts) takes: the batches it ingests and its options, and the
 * options with their defaults filled in.
 */
import { type DropReasonTable, defaultDropReasonTable } from './drop-reasons.js';
import type { StallConfig } from './stall-detector.js';

export interface RecordBatch {
  hostId: string;
  /** changes when the host reboots: its CLOCK_MONOTONIC restarted */
  bootId: string;
  /** per host (and boot) batch sequence number; gaps count as lost batches */
  seq: number;
  /**
   * Optional: CLOCK_REALTIME - CLOCK_MONOTONIC on the host when the batch was cut, ns.
   * Used only as a fallback clock offset (NTP-synced wall clocks) when no request/reply
   * pair gives one, with `hintUncertaintyNs` as its uncertainty.
   */
  clockOffsetHintNs?: bigint | number;
  /**
   * Optional: the host's CLOCK_MONOTONIC when the batch was cut, ns (envelope clock.monoNs). With
   * it an expected set settles once every host has sent what it recorded before the set grew
   * (host-catch-up.ts); without it, after settleMs.
   */
  cutMonoNs?: bigint | number;
  /** whole 64-byte records (proto RECORD_SIZE); a trailing partial record is ignored */
  records: Uint8Array;
}

export interface MatcherOptions {
  /** hosts of the path in forward order: [src host, ...transit, dst host]; [host] for a same-host pair */
  hosts: readonly string[];
  /** BPF probe slot whose bit selects records in probe_mask; omitted: every record */
  probeSlot?: number;
  /** finalize a packet this long after its first record (controller ms); default 2000 */
  timeoutMs?: number;
  /** pending packets + tombstones kept; default 200_000 */
  maxPending?: number;
  /**
   * A packet finalizes as soon as it has every expected stage only once the expected set
   * (stages packets of its direction have shown) has not grown for this long (controller
   * ms); before, packets wait for the timeout. Guards against the first packets defining
   * the path from one host's batch alone. Default: timeoutMs.
   */
  settleMs?: number;
  /** stall threshold, default 100 ms */
  stallThresholdMs?: number;
  /** a stall must also be this many times the flow's typical gap; 0 disables; default 8 */
  stallFactor?: number;
  /** gaps seen before a flow can stall; default 4 */
  stallWarmup?: number;
  /** stall events kept per interval; default 1000 */
  maxStallEvents?: number;
  /** exchanges in the clock-offset window; default 256 */
  clockWindow?: number;
  /** uncertainty given to a wall-clock hint offset, ns; default 2 ms */
  hintUncertaintyNs?: number;
  /** drop reason names (from parseDropReasonsFromBtf) for a host without its own; default: the Linux 6.18 table */
  dropReasons?: DropReasonTable;
  /** each host's own drop reason names (its agent read them from its kernel's BTF): host id -> table */
  dropReasonsByHost?: Record<string, DropReasonTable>;
  /**
   * Stages each host's agent attached (host id -> stage names). Seeds the expected path, so
   * a stage no packet reaches (everything dropped before it) is still a loss, not the end
   * of the path. Without it the expected path is learned from traffic alone.
   */
  expectedStages?: Record<string, readonly string[]>;
  /** start of the first interval, controller ms; default 0 */
  startMs?: number;
  /** the probe's port filter: in a UDP/TCP flow the side using it is the server (request/reply roles) */
  servicePort?: number;
  /**
   * How long a finalized UDP/TCP reply waits (controller ms) before it is paired with its
   * request, so that requests finalized later (records come late and out of order) are there
   * to choose from; longer than records arrive late. Default 1000.
   */
  pairHoldMs?: number;
  /**
   * How long a complete packet waits for records of optional stages written after its last
   * expected one (controller ms), once its direction has optional stages (a record of one, or an
   * agent reporting one attached): a kvm_irq record
   * is written after its vhost_rx, and may come in a later batch. A packet that has them all is
   * finalized at once. Default 500 (records wait < 2 flush intervals in BPF, then one in the agent).
   */
  optionalGraceMs?: number;
}

/** MatcherOptions with every default filled in (see each option's doc). */
export interface ResolvedMatcherOptions {
  hosts: readonly string[];
  /** probe_mask bits that select records (every bit: no probe slot given) */
  probeBit: number;
  timeoutMs: number;
  maxPending: number;
  settleMs: number;
  stall: StallConfig;
  maxStallEvents: number;
  clockWindow: number;
  hintUncertaintyNs: number;
  /** per host of `hosts`: its drop reason names */
  dropTables: DropReasonTable[];
  expectedStages: Record<string, readonly string[]> | undefined;
  startMs: number;
  servicePort: number | undefined;
  pairHoldMs: number | undefined;
  optionalGraceMs: number;
}

export function resolveMatcherOptions(opts: MatcherOptions): ResolvedMatcherOptions {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const fallback = opts.dropReasons ?? defaultDropReasonTable();
  return {
    hosts: opts.hosts,
    probeBit: opts.probeSlot === undefined ? 0xffffffff : 2 ** opts.probeSlot,
    timeoutMs,
    maxPending: Math.max(16, opts.maxPending ?? 200_000),
    settleMs: opts.settleMs ?? timeoutMs,
    stall: {
      thresholdNs: (opts.stallThresholdMs ?? 100) * 1e6,
      factor: opts.stallFactor ?? 8,
      warmup: opts.stallWarmup ?? 4,
      maxFlows: 65_536,
    },
    maxStallEvents: opts.maxStallEvents ?? 1000,
    clockWindow: opts.clockWindow ?? 256,
    hintUncertaintyNs: opts.hintUncertaintyNs ?? 2_000_000,
    dropTables: opts.hosts.map((h) => opts.dropReasonsByHost?.[h] ?? fallback),
    expectedStages: opts.expectedStages,
    startMs: opts.startMs ?? 0,
    servicePort: opts.servicePort || undefined,
    pairHoldMs: opts.pairHoldMs,
    optionalGraceMs: opts.optionalGraceMs ?? 500,
  };
}
