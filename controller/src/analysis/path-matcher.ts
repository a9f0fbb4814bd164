/**
 * The cross-host matcher of one probe: joins 64-byte records from every host of the probe's
 * path by pkt_id, turns each packet into per-segment latencies, loss and drop reasons,
 * pairs requests with replies to estimate clock offsets and VM turnaround, and detects stalls.
 *
 * Hot path: records are read in place from the batch (DataView at fixed offsets); a packet's
 * state lives in typed arrays (slot pool + open-addressing table keyed by the 64-bit id), so
 * no object is built per record. Timestamps are kept as doubles relative to the first
 * timestamp seen from each host (exact up to 2^53 ns ≈ 104 days of run time).
 *
 * Packet life:
 *  - created by its first record (any host, any order: B's batch may come before A's);
 *  - complete when it has every position ("expected set") that packets of its direction
 *    have shown so far, and the expected set spans every host of the path -> finalized at once,
 *    unless its direction has optional stages (proto OPTIONAL_STAGES) and it lacks one after
 *    the last expected position (kvm_irq, written after vhost_rx): then when that record comes,
 *    or `optionalGraceMs` later;
 *    optional stages never join the expected set: a packet without one is neither lost nor
 *    partial, and a packet with one gets its segments;
 *  - otherwise finalized when `timeoutMs` of controller time passed since its first record
 *    (controller time is what the caller passes as nowMs): if it never reached the last
 *    expected position, that is a loss on the segment from its last seen position to the
 *    next expected one, with the drop reason when a DROP record came;
 *  - after finalization its id is remembered (tombstone) until the same timeout, so late
 *    records are counted as `late_records` rather than making a phantom packet;
 *  - more than `maxPending` ids (pending + tombstones): the oldest is finalized early and
 *    counted `evicted` (its segments are kept, no loss is inferred).
 * Same host+stage twice for one id: the first is kept, `duplicates` counts the rest.
 */
import {
  OPTIONAL_STAGES,
  RECORD_SIZE,
  RecordOffset,
  Stage,
  type AnalysisCounters,
  type AnalysisReport,
  type ClockReport,
  type DirectionReport,
  type SegmentReport,
  type TotalReport,
} from '@xtrace/proto';
import { ClockOffsetEstimator } from './clock-offset.js';
import { type DropReasonTable, defaultDropReasonTable, dropReasonName } from './drop-reasons.js';
import { buildPathModel, STAGE_SLOTS, type PathModel } from './path-model.js';
import {
  type ExchangePacket,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  RequestReplyPairer,
} from './request-reply-pairing.js';
import { SegmentAccumulator, latencyFields, toSegmentReport } from './segment-accumulator.js';
import { StatsWindow, acc, segAcc } from './stats-window.js';
import { StallDetector } from './stall-detector.js';
import { VM_IN_STAGES, VM_OUT_STAGES } from './vm-breakdown.js';

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

const NO_POINTS: readonly [number, number, number] = [NaN, NaN, NaN];

/** A packet's times at three positions (-1: not on the path), NaN where it has none. */
function pointsAt(ts: Float64Array, base: number, pos: Int16Array): readonly [number, number, number] {
  const [a, b, c] = [pos[0]!, pos[1]!, pos[2]!];
  if (a < 0 && b < 0 && c < 0) return NO_POINTS;
  return [a < 0 ? NaN : ts[base + a]!, b < 0 ? NaN : ts[base + b]!, c < 0 ? NaN : ts[base + c]!];
}

const STATE_FREE = 0;
const STATE_PENDING = 1;
const STATE_DONE = 2;

const MODE_COMPLETE = 0;
const MODE_EXPIRED = 1;
const MODE_EVICTED = 2;
const MODE_FLUSH = 3;

const TWO32 = 4294967296;
const MAX_WIRE_BUFFER = 65_536;
/** marks a buffered wire entry as an end-to-end total (segment keys are far below) */
const TOTAL_FLAG = 2 ** 40;
const WIRE_ENTRY = 5;

interface HostState {
  bootId: string | null;
  lastSeq: number;
  hasBase: boolean;
  baseHi: number;
  baseLo: number;
  baseBig: bigint;
  hint: bigint | null;
}

interface ClockUse {
  offsetNs: number;
  uncertaintyNs: number;
}

export class PathMatcher {
  readonly model: PathModel;
  private readonly hostIndex = new Map<string, number>();
  private readonly hostState: HostState[];
  private readonly probeBit: number;
  private readonly timeoutMs: number;
  private readonly maxPending: number;
  private readonly W: number;
  private readonly hintUncertaintyNs: number;
  private readonly maxStallEvents: number;
  /** per host index: the names of that host kernel's drop reasons */
  private readonly dropTables: DropReasonTable[];
  private readonly clockWindow: number;

  // expected positions per direction
  private readonly expected: [Uint8Array, Uint8Array];
  private readonly expectedCount = [0, 0];
  private readonly covered = [false, false];
  private readonly learnedAt = [-Infinity, -Infinity];
  private readonly settleMs: number;
  private readonly minE = [-1, -1];
  private readonly maxE = [-1, -1];
  private readonly posHost: [Int16Array, Int16Array];
  /** per direction and position: 1 when the position's stage is optional (never expected) */
  private readonly optionalPos: [Uint8Array, Uint8Array];
  /** per direction: a packet showed an optional stage (or an agent has one attached) */
  private readonly optionalSeen = [false, false];
  /**
   * per direction: the optional positions after its last expected-capable one (kvm_irq: written
   * after the packet's last expected record). Once the direction has optional stages, a complete
   * packet waits optionalGraceMs only while it lacks one of these; optional positions inside the
   * path (guest_kick, ovs_upcall) are written before a later expected stage, so they are in by
   * completion (one that is not counts as a late record).
   */
  private readonly latePos: [number[], number[]] = [[], []];
  private readonly optionalGraceMs: number;
  /** per direction: positions of VM_IN_STAGES on the direction's last host, of VM_OUT_STAGES on its first (-1: none) */
  private readonly vmInPos: [Int16Array, Int16Array];
  private readonly vmOutPos: [Int16Array, Int16Array];

  // slot pool (struct of arrays)
  private cap = 0;
  private ts = new Float64Array(0);
  private state = new Uint8Array(0);
  private dir = new Uint8Array(0);
  private seen = new Uint16Array(0);
  /** records of expected (non-optional) positions */
  private seenReq = new Uint16Array(0);
  /** controller ms when the packet completed and began waiting for optional records; NaN: not waiting */
  private completeAt = new Float64Array(0);
  private proto = new Uint8Array(0);
  private sport = new Uint16Array(0);
  private dport = new Uint16Array(0);
  private flowHash = new Int32Array(0);
  private seqNo = new Uint32Array(0);
  private createdMs = new Float64Array(0);
  private tableIdx = new Int32Array(0);
  private hasDrop = new Uint8Array(0);
  private dropReason = new Uint32Array(0);
  private dropHost = new Int16Array(0);
  private dropLocHi = new Uint32Array(0);
  private dropLocLo = new Uint32Array(0);
  private freeList = new Int32Array(0);
  private freeTop = 0;
  // allocation-order queue (expiry and eviction)
  private readonly queue: Int32Array;
  private qHead = 0;
  private qSize = 0;
  private pendingLive = 0;
  // complete packets waiting optionalGraceMs, in completion order (with the time, to spot a reused slot)
  private readonly graceQueue: Int32Array;
  private readonly graceAt: Float64Array;
  private gHead = 0;
  private gSize = 0;

  // id -> slot, linear probing
  private readonly tMask: number;
  private readonly tShift: number;
  private readonly tLo: Uint32Array;
  private readonly tHi: Uint32Array;
  private readonly tSlot: Int32Array;

  private readonly stalls: StallDetector[];
  private readonly stallCfg;
  private readonly clocks = new Map<number, ClockOffsetEstimator>();
  private readonly pairer: RequestReplyPairer;
  /** learnedAt of the expected set whose settling last finalized the complete packets waiting for it */
  private readonly sweptFor = [NaN, NaN];
  /** controller time of the latest ingest/tick (finalize hands it to the pairer) */
  private nowMs = 0;
  private wireBuffer = new Map<number, number[]>();
  private wireBuffered = 0;

  private window: StatsWindow = new StatsWindow();
  private readonly run: StatsWindow = new StatsWindow();
  private intervalStart: number;
  private readonly runStart: number;

  readonly counters: AnalysisCounters = {
    batches: 0,
    lost_batches: 0,
    records_in: 0,
    records_other_probe: 0,
    records_unknown_host: 0,
    records_bad_stage: 0,
    duplicates: 0,
    late_records: 0,
    drop_records: 0,
    packets: 0,
    matched: 0,
    expired_incomplete: 0,
    evicted: 0,
    partial: 0,
    negative_latency: 0,
    drops_after_delivery: 0,
    drops_before_path: 0,
    pairs: 0,
    pairs_settled_early: 0,
    host_reboots: 0,
    stall_events_dropped: 0,
    unfinished: 0,
    pending: 0,
  };

  constructor(opts: MatcherOptions) {
    this.model = buildPathModel(opts.hosts);
    this.model.hosts.forEach((h, i) => this.hostIndex.set(h, i));
    this.hostState = this.model.hosts.map(() => ({
      bootId: null,
      lastSeq: -1,
      hasBase: false,
      baseHi: 0,
      baseLo: 0,
      baseBig: 0n,
      hint: null,
    }));
    this.probeBit = opts.probeSlot === undefined ? 0xffffffff : 2 ** opts.probeSlot;
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.settleMs = opts.settleMs ?? this.timeoutMs;
    const sink = {
      clockSample: (req: ExchangePacket, rep: ExchangePacket) => this.clockSample(req, rep),
      exchange: (req: ExchangePacket, rep: ExchangePacket) => this.exchange(req, rep),
    };
    this.pairer = new RequestReplyPairer(sink, {
      ...(opts.servicePort ? { servicePort: opts.servicePort } : {}),
      ...(opts.pairHoldMs !== undefined ? { holdMs: opts.pairHoldMs } : {}),
    });
    this.maxPending = Math.max(16, opts.maxPending ?? 200_000);
    this.W = this.model.width;
    this.hintUncertaintyNs = opts.hintUncertaintyNs ?? 2_000_000;
    this.maxStallEvents = opts.maxStallEvents ?? 1000;
    const fallback = opts.dropReasons ?? defaultDropReasonTable();
    this.dropTables = this.model.hosts.map((h) => opts.dropReasonsByHost?.[h] ?? fallback);
    this.clockWindow = opts.clockWindow ?? 256;
    this.intervalStart = opts.startMs ?? 0;
    this.runStart = this.intervalStart;
    this.expected = [new Uint8Array(this.W), new Uint8Array(this.W)];
    this.posHost = [new Int16Array(this.W).fill(-1), new Int16Array(this.W).fill(-1)];
    this.optionalPos = [new Uint8Array(this.W), new Uint8Array(this.W)];
    this.optionalGraceMs = opts.optionalGraceMs ?? 500;
    this.vmInPos = [new Int16Array(VM_IN_STAGES.length), new Int16Array(VM_IN_STAGES.length)];
    this.vmOutPos = [new Int16Array(VM_OUT_STAGES.length), new Int16Array(VM_OUT_STAGES.length)];
    for (let d = 0; d < 2; d++) {
      const dm = this.model.directions[d]!;
      dm.positions.forEach((p, i) => {
        this.posHost[d]![i] = p.host;
        if (OPTIONAL_STAGES.has(p.stageName)) this.optionalPos[d]![i] = 1;
      });
      const lastRequired = this.optionalPos[d]!.lastIndexOf(0, dm.positions.length - 1);
      for (let i = lastRequired + 1; i < dm.positions.length; i++) this.latePos[d]!.push(i);
      const origin = dm.hostOrder[0]!;
      const dest = dm.hostOrder[dm.hostOrder.length - 1]!;
      VM_IN_STAGES.forEach((st, i) => (this.vmInPos[d]![i] = dm.lookup[dest * STAGE_SLOTS + Stage[st]]!));
      VM_OUT_STAGES.forEach((st, i) => (this.vmOutPos[d]![i] = dm.lookup[origin * STAGE_SLOTS + Stage[st]]!));
    }
    if (opts.expectedStages) this.seedExpected(opts.expectedStages, this.intervalStart);
    this.queue = new Int32Array(this.maxPending);
    this.graceQueue = new Int32Array(this.maxPending);
    this.graceAt = new Float64Array(this.maxPending);
    let bits = 4;
    while (1 << bits < this.maxPending * 2) bits++;
    this.tMask = (1 << bits) - 1;
    this.tShift = 32 - bits;
    this.tLo = new Uint32Array(1 << bits);
    this.tHi = new Uint32Array(1 << bits);
    this.tSlot = new Int32Array(1 << bits).fill(-1);
    this.growPool(Math.min(this.maxPending, 4096));
    this.stallCfg = {
      thresholdNs: (opts.stallThresholdMs ?? 100) * 1e6,
      factor: opts.stallFactor ?? 8,
      warmup: opts.stallWarmup ?? 4,
      maxFlows: 65_536,
    };
    this.stalls = new Array(2 * this.W);
  }

  /** Approximate bytes held by the packet pool and id table (grows with pending packets). */
  memoryFootprint(): { slots: number; bytes: number } {
    const perSlot = this.W * 8 + 8 + 4 * 8 + 3 * 4 + 4 * 2 + 4;
    return { slots: this.cap, bytes: this.cap * perSlot + this.tSlot.length * 12 + this.maxPending * 4 };
  }

  /** Pending packets (not finalized). */
  get pending(): number {
    return this.pendingLive;
  }

  /** The caller lost batches it knows about (e.g. NATS slow consumer). */
  noteLostBatches(n: number): void {
    this.counters.lost_batches += n;
  }

  /** Ingest one batch; `nowMs` is controller time (also expires old packets). */
  ingest(batch: RecordBatch, nowMs: number): void {
    this.counters.batches++;
    const h = this.hostIndex.get(batch.hostId);
    const n = Math.floor(batch.records.byteLength / RECORD_SIZE);
    if (h === undefined) {
      this.counters.records_in += n;
      this.counters.records_unknown_host += n;
      this.tick(nowMs);
      return;
    }
    const hs = this.hostState[h]!;
    if (hs.bootId !== batch.bootId) {
      if (hs.bootId !== null) this.hostRebooted(h);
      hs.bootId = batch.bootId;
      hs.lastSeq = batch.seq - 1;
    }
    if (batch.seq > hs.lastSeq + 1) this.counters.lost_batches += batch.seq - hs.lastSeq - 1;
    if (batch.seq > hs.lastSeq) hs.lastSeq = batch.seq;
    if (batch.clockOffsetHintNs !== undefined) hs.hint = BigInt(batch.clockOffsetHintNs);
    this.tick(nowMs);
    this.ingestRecords(h, batch.records, n, nowMs);
    this.counters.pending = this.pendingLive;
  }

  private ingestRecords(h: number, buf: Uint8Array, n: number, nowMs: number): void {
    const view = new DataView(buf.buffer, buf.byteOffset, n * RECORD_SIZE);
    const hs = this.hostState[h]!;
    if (n > 0 && !hs.hasBase) {
      hs.baseLo = view.getUint32(RecordOffset.tsNs, true);
      hs.baseHi = view.getUint32(RecordOffset.tsNs + 4, true);
      hs.baseBig = (BigInt(hs.baseHi) << 32n) | BigInt(hs.baseLo);
      hs.hasBase = true;
    }
    const baseLo = hs.baseLo;
    const baseHi = hs.baseHi;
    const probeBit = this.probeBit;
    const W = this.W;
    const lookupF = this.model.directions[0].lookup;
    const lookupR = this.model.directions[1].lookup;
    const hostOff = h * STAGE_SLOTS;
    let otherProbe = 0;
    for (let i = 0; i < n; i++) {
      const off = i * RECORD_SIZE;
      if ((view.getUint32(off + RecordOffset.probeMask, true) & probeBit) === 0) {
        otherProbe++;
        continue;
      }
      const stage = view.getUint16(off + RecordOffset.stage, true);
      const d = view.getUint8(off + RecordOffset.flags) & 1;
      const t =
        (view.getUint32(off + RecordOffset.tsNs + 4, true) - baseHi) * TWO32 +
        (view.getUint32(off + RecordOffset.tsNs, true) - baseLo);
      let pos = -1;
      if (stage !== Stage.drop) {
        pos = stage < STAGE_SLOTS ? (d === 0 ? lookupF : lookupR)[hostOff + stage]! : -1;
        if (pos < 0) {
          this.counters.records_bad_stage++;
          continue;
        }
      }
      const idLo = view.getUint32(off + RecordOffset.pktId, true);
      const idHi = view.getUint32(off + RecordOffset.pktId + 4, true);
      let slot = this.find(idLo, idHi);
      if (slot < 0) {
        slot = this.allocate(idLo, idHi, nowMs);
        this.dir[slot] = d;
        this.proto[slot] = view.getUint8(off + RecordOffset.proto);
        this.sport[slot] = view.getUint16(off + RecordOffset.sport, true);
        this.dport[slot] = view.getUint16(off + RecordOffset.dport, true);
        this.flowHash[slot] = view.getUint32(off + RecordOffset.flowHash, true) | 0;
        this.seqNo[slot] = view.getUint32(off + RecordOffset.seq, true);
      } else if (this.state[slot] === STATE_DONE) {
        this.counters.late_records++;
        continue;
      }
      if (pos < 0) {
        // DROP record: keep the first
        this.counters.drop_records++;
        if (this.hasDrop[slot] === 0) {
          this.hasDrop[slot] = 1;
          this.dropReason[slot] = view.getUint32(off + RecordOffset.dropReason, true);
          this.dropHost[slot] = h;
          this.dropLocLo[slot] = view.getUint32(off + RecordOffset.dropLocation, true);
          this.dropLocHi[slot] = view.getUint32(off + RecordOffset.dropLocation + 4, true);
        }
        continue;
      }
      const sd = this.dir[slot]!;
      if (sd !== d) {
        // same id in both directions: an id collision; keep the first direction's view
        this.counters.records_bad_stage++;
        continue;
      }
      const ti = slot * W + pos;
      if (this.ts[ti] === this.ts[ti]) {
        this.counters.duplicates++;
        continue;
      }
      this.ts[ti] = t;
      this.seen[slot]!++;
      const required = this.optionalPos[d]![pos] === 0;
      if (required && this.expected[d]![pos] === 0) this.learn(d, pos, nowMs);
      // stalls, per flow+direction+stage
      const sk = d * W + pos;
      const det = this.stalls[sk] ?? (this.stalls[sk] = new StallDetector(this.stallCfg));
      const hit = det.observe(this.flowHash[slot]!, t);
      if (hit !== null) this.stall(d, pos, h, slot, t, hit.gapNs, hit.typicalNs, nowMs);
      if (!required) {
        this.optionalSeen[d] = true;
        // the late record a complete packet was waiting for: no need to wait any longer
        if (this.completeAt[slot] === this.completeAt[slot] && this.hasLate(slot, d)) this.finalize(slot, MODE_COMPLETE);
        continue;
      }
      if (++this.seenReq[slot]! === this.expectedCount[d] && this.covered[d] && nowMs - this.learnedAt[d]! >= this.settleMs) {
        this.complete(slot, nowMs);
      }
    }
    this.counters.records_in += n;
    this.counters.records_other_probe += otherProbe;
  }

  /** Expire packets older than the timeout (controller time). */
  tick(nowMs: number): void {
    this.nowMs = nowMs;
    const settled = (d: number): boolean => this.covered[d]! && this.sweptFor[d] !== this.learnedAt[d] && nowMs - this.learnedAt[d]! >= this.settleMs;
    const forward = settled(0);
    const reverse = settled(1);
    if (forward || reverse) this.finalizeSettled(forward, reverse);
    this.finalizeGraced(nowMs);
    const limit = nowMs - this.timeoutMs;
    while (this.qSize > 0) {
      const slot = this.queue[this.qHead]!;
      if (this.createdMs[slot]! > limit) break;
      this.popQueue();
      if (this.state[slot] === STATE_PENDING) this.finalize(slot, MODE_EXPIRED);
      this.release(slot);
    }
    this.pairer.release(nowMs);
    this.counters.pending = this.pendingLive;
    this.counters.pairs_settled_early = this.pairer.forcedEarly;
  }

  /** Statistics since the previous call (or start), then starts a new interval. */
  takeIntervalReport(nowMs: number): AnalysisReport {
    this.tick(nowMs);
    this.flushWireWithHints();
    const report = this.buildReport(this.window, this.intervalStart, nowMs);
    this.run.merge(this.window, this.maxStallEvents);
    this.window = new StatsWindow();
    this.intervalStart = nowMs;
    return report;
  }

  /** Statistics of the whole run so far (the open interval included); does not reset. */
  totalReport(nowMs: number): AnalysisReport {
    this.tick(nowMs);
    this.flushWireWithHints();
    const all = new StatsWindow();
    all.merge(this.run, this.maxStallEvents);
    all.merge(this.window, this.maxStallEvents);
    return this.buildReport(all, this.runStart, nowMs);
  }

  /**
   * End of the run: expires what timed out, then finalizes every other pending packet
   * without inferring loss (they may still be in flight; count in `unfinished`), and
   * returns the whole-run report. Call it `timeoutMs` after traffic capture stopped.
   */
  finish(nowMs: number): AnalysisReport {
    this.tick(nowMs);
    this.finalizeGraced(Infinity);
    while (this.qSize > 0) {
      const slot = this.queue[this.qHead]!;
      this.popQueue();
      if (this.state[slot] === STATE_PENDING) this.finalize(slot, MODE_FLUSH);
      this.release(slot);
    }
    this.pairer.flush();
    this.counters.pending = 0;
    return this.totalReport(nowMs);
  }

  /** Current clock offset estimates, absolute (CLOCK_MONOTONIC of hosts[1] minus hosts[0]). */
  clockReports(): ClockReport[] {
    const out: ClockReport[] = [];
    const H = this.model.hosts.length;
    for (let a = 0; a < H; a++) {
      for (let b = a + 1; b < H; b++) {
        const est = this.clocks.get(a * H + b)?.estimate() ?? null;
        const base = Number(this.hostState[b]!.baseBig - this.hostState[a]!.baseBig);
        if (est) {
          out.push({
            hosts: [this.model.hosts[a]!, this.model.hosts[b]!],
            offset_us: Math.round(est.offsetNs + base) / 1000,
            uncertainty_us: Math.round(est.uncertaintyNs) / 1000,
            samples: est.samples,
            min_delay_us: Math.round(est.minDelayNs) / 1000,
            source: 'pairs',
          });
        } else {
          const hint = this.hintOffset(a, b);
          if (hint) {
            out.push({
              hosts: [this.model.hosts[a]!, this.model.hosts[b]!],
              offset_us: Math.round(hint.offsetNs + base) / 1000,
              uncertainty_us: Math.round(hint.uncertaintyNs) / 1000,
              samples: 0,
              min_delay_us: null,
              source: 'hint',
            });
          }
        }
      }
    }
    return out;
  }

  // ---- internals -------------------------------------------------------------------------

  /**
   * The expected set of a direction has just settled: its packets that completed while it was
   * settling waited for it; finalize them now, oldest first over both directions, so packets
   * reach statistics and request/reply pairing in the order they were created (later ones
   * finalize on completion).
   */
  private finalizeSettled(forward: boolean, reverse: boolean): void {
    if (forward) this.sweptFor[0] = this.learnedAt[0]!;
    if (reverse) this.sweptFor[1] = this.learnedAt[1]!;
    for (let i = 0; i < this.qSize; i++) {
      const slot = this.queue[(this.qHead + i) % this.maxPending]!;
      if (this.state[slot] !== STATE_PENDING) continue;
      const d = this.dir[slot]!;
      if ((d === 0 ? forward : reverse) && this.seenReq[slot] === this.expectedCount[d]) this.complete(slot, this.nowMs);
    }
  }

  /** The packet has a record at every late optional position of its direction. */
  private hasLate(slot: number, d: number): boolean {
    const base = slot * this.W;
    for (const pos of this.latePos[d]!) if (this.ts[base + pos] !== this.ts[base + pos]) return false;
    return true;
  }

  /**
   * A packet has every expected stage: finalized now, or, once its direction has optional
   * stages, when it also has the late ones (kvm_irq) or optionalGraceMs later (they may come later).
   */
  private complete(slot: number, nowMs: number): void {
    const d = this.dir[slot]!;
    if (!this.optionalSeen[d] || this.optionalGraceMs <= 0 || this.hasLate(slot, d)) {
      this.finalize(slot, MODE_COMPLETE);
      return;
    }
    if (this.completeAt[slot] === this.completeAt[slot]) return; // already waiting
    this.completeAt[slot] = nowMs;
    const gi = (this.gHead + this.gSize) % this.maxPending;
    this.graceQueue[gi] = slot;
    this.graceAt[gi] = nowMs;
    this.gSize++;
  }

  /** Finalizes complete packets whose grace ran out by nowMs (Infinity: all). */
  private finalizeGraced(nowMs: number): void {
    const limit = nowMs - this.optionalGraceMs;
    while (this.gSize > 0) {
      const slot = this.graceQueue[this.gHead]!;
      const at = this.graceAt[this.gHead]!;
      // a slot finalized otherwise (expired, evicted) and reused since is not this entry's
      const current = this.completeAt[slot] === at && this.state[slot] === STATE_PENDING;
      if (current && at > limit) break;
      this.gHead = (this.gHead + 1) % this.maxPending;
      this.gSize--;
      if (current) this.finalize(slot, MODE_COMPLETE);
    }
  }

  private seedExpected(byHost: Record<string, readonly string[]>, nowMs: number): void {
    for (const [hostId, stages] of Object.entries(byHost)) {
      const h = this.model.hosts.indexOf(hostId);
      if (h < 0) continue;
      for (const name of stages) {
        const id = (Stage as Record<string, number>)[name];
        if (id === undefined) continue;
        for (let d = 0; d < 2; d++) {
          const pos = this.model.directions[d]!.lookup[h * STAGE_SLOTS + id]!;
          if (pos < 0) continue;
          if (this.optionalPos[d]![pos] === 1) this.optionalSeen[d] = true;
          else if (this.expected[d]![pos] === 0) this.learn(d, pos, nowMs);
        }
      }
    }
  }

  private learn(d: number, pos: number, nowMs: number): void {
    const e = this.expected[d]!;
    this.learnedAt[d] = nowMs;
    e[pos] = 1;
    this.expectedCount[d]!++;
    if (this.minE[d]! < 0 || pos < this.minE[d]!) this.minE[d] = pos;
    if (pos > this.maxE[d]!) this.maxE[d] = pos;
    const hostsSeen = new Set<number>();
    for (let p = 0; p < this.W; p++) if (e[p]) hostsSeen.add(this.posHost[d]![p]!);
    this.covered[d] = hostsSeen.size === this.model.hosts.length;
  }

  private hostRebooted(h: number): void {
    this.counters.host_reboots++;
    const hs = this.hostState[h]!;
    hs.hasBase = false;
    hs.hint = null;
    hs.lastSeq = -1;
    const H = this.model.hosts.length;
    for (const key of [...this.clocks.keys()]) {
      if (Math.floor(key / H) === h || key % H === h) this.clocks.delete(key);
    }
    this.pairer.clear();
    this.stalls.fill(undefined as unknown as StallDetector);
  }

  private growPool(n: number): void {
    const W = this.W;
    const old = this.cap;
    const grow = <T extends Float64Array | Uint8Array | Uint16Array | Int32Array | Uint32Array | Int16Array>(
      a: T,
      make: (len: number) => T,
      per = 1,
    ): T => {
      const b = make(n * per);
      b.set(a);
      return b;
    };
    const ts = new Float64Array(n * W).fill(NaN);
    ts.set(this.ts);
    this.ts = ts;
    this.state = grow(this.state, (l) => new Uint8Array(l));
    this.dir = grow(this.dir, (l) => new Uint8Array(l));
    this.seen = grow(this.seen, (l) => new Uint16Array(l));
    this.seenReq = grow(this.seenReq, (l) => new Uint16Array(l));
    const completeAt = new Float64Array(n).fill(NaN);
    completeAt.set(this.completeAt);
    this.completeAt = completeAt;
    this.proto = grow(this.proto, (l) => new Uint8Array(l));
    this.sport = grow(this.sport, (l) => new Uint16Array(l));
    this.dport = grow(this.dport, (l) => new Uint16Array(l));
    this.flowHash = grow(this.flowHash, (l) => new Int32Array(l));
    this.seqNo = grow(this.seqNo, (l) => new Uint32Array(l));
    this.createdMs = grow(this.createdMs, (l) => new Float64Array(l));
    this.tableIdx = grow(this.tableIdx, (l) => new Int32Array(l));
    this.hasDrop = grow(this.hasDrop, (l) => new Uint8Array(l));
    this.dropReason = grow(this.dropReason, (l) => new Uint32Array(l));
    this.dropHost = grow(this.dropHost, (l) => new Int16Array(l));
    this.dropLocHi = grow(this.dropLocHi, (l) => new Uint32Array(l));
    this.dropLocLo = grow(this.dropLocLo, (l) => new Uint32Array(l));
    const free = new Int32Array(n);
    free.set(this.freeList.subarray(0, this.freeTop));
    // new slots, lowest index on top
    let top = this.freeTop;
    for (let s = n - 1; s >= old; s--) free[top++] = s;
    this.freeList = free;
    this.freeTop = top;
    this.cap = n;
  }

  private home(lo: number, hi: number): number {
    return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> this.tShift;
  }

  private find(lo: number, hi: number): number {
    const mask = this.tMask;
    let i = this.home(lo, hi);
    for (;;) {
      const s = this.tSlot[i]!;
      if (s < 0) return -1;
      if (this.tLo[i] === lo && this.tHi[i] === hi) return s;
      i = (i + 1) & mask;
    }
  }

  private allocate(lo: number, hi: number, nowMs: number): number {
    if (this.freeTop === 0) {
      if (this.cap < this.maxPending) this.growPool(Math.min(this.maxPending, this.cap * 2));
      else {
        // full: evict the oldest id (tombstone or pending)
        const victim = this.queue[this.qHead]!;
        this.popQueue();
        if (this.state[victim] === STATE_PENDING) this.finalize(victim, MODE_EVICTED);
        this.release(victim);
      }
    }
    const slot = this.freeList[--this.freeTop]!;
    let i = this.home(lo, hi);
    while (this.tSlot[i]! >= 0) i = (i + 1) & this.tMask;
    this.tLo[i] = lo;
    this.tHi[i] = hi;
    this.tSlot[i] = slot;
    this.tableIdx[slot] = i;
    this.state[slot] = STATE_PENDING;
    this.seen[slot] = 0;
    this.seenReq[slot] = 0;
    this.completeAt[slot] = NaN;
    this.hasDrop[slot] = 0;
    this.createdMs[slot] = nowMs;
    this.pendingLive++;
    this.counters.packets++;
    const qi = (this.qHead + this.qSize) % this.maxPending;
    this.queue[qi] = slot;
    this.qSize++;
    return slot;
  }

  private popQueue(): void {
    this.qHead = (this.qHead + 1) % this.maxPending;
    this.qSize--;
  }

  /** Frees a slot (its queue entry was already popped): table delete + clear timestamps. */
  private release(slot: number): void {
    // backward-shift deletion
    const mask = this.tMask;
    let i = this.tableIdx[slot]!;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const s = this.tSlot[j]!;
      if (s < 0) break;
      const k = this.home(this.tLo[j]!, this.tHi[j]!);
      const stays = i <= j ? i < k && k <= j : i < k || k <= j;
      if (stays) continue;
      this.tLo[i] = this.tLo[j]!;
      this.tHi[i] = this.tHi[j]!;
      this.tSlot[i] = s;
      this.tableIdx[s] = i;
      i = j;
    }
    this.tSlot[i] = -1;
    if (this.state[slot] === STATE_PENDING) this.pendingLive--;
    this.state[slot] = STATE_FREE;
    this.ts.fill(NaN, slot * this.W, (slot + 1) * this.W);
    this.freeList[this.freeTop++] = slot;
  }

  private clockFor(a: number, b: number): ClockUse | null {
    // offset of b's clock minus a's, in relative time bases
    const H = this.model.hosts.length;
    const lo = a < b ? a : b;
    const hi = a < b ? b : a;
    const est = this.clocks.get(lo * H + hi)?.estimate();
    if (!est) return null;
    return { offsetNs: a < b ? est.offsetNs : -est.offsetNs, uncertaintyNs: est.uncertaintyNs };
  }

  /** wall-clock hint offset of b minus a (relative time bases), or null */
  private hintOffset(a: number, b: number): ClockUse | null {
    const A = this.hostState[a]!;
    const B = this.hostState[b]!;
    if (A.hint === null || B.hint === null || !A.hasBase || !B.hasBase) return null;
    // mono = real - hint  ->  monoB - monoA = hintA - hintB (absolute); relative: minus (baseB - baseA)
    const abs = A.hint - B.hint;
    return { offsetNs: Number(abs - (B.baseBig - A.baseBig)), uncertaintyNs: this.hintUncertaintyNs };
  }

  private finalize(slot: number, mode: number): void {
    const d = this.dir[slot]!;
    const W = this.W;
    const base = slot * W;
    const ts = this.ts;
    const ph = this.posHost[d]!;
    const win = this.window;
    const H = this.model.hosts.length;
    this.state[slot] = STATE_DONE;
    this.completeAt[slot] = NaN;
    this.pendingLive--;
    win.packets[d]!++;
    const vmOutPoints = pointsAt(ts, base, this.vmOutPos[d]!);
    // the probe's requests leaving the source VM (its own hypervisor's clock)
    if (d === 0) win.vm.recordSource(this.model.directions[0].hostOrder[0]!, vmOutPoints);

    const p8 = this.proto[slot]!;
    const pairable = p8 === IPPROTO_ICMP || p8 === IPPROTO_ICMPV6 || p8 === IPPROTO_UDP || p8 === IPPROTO_TCP;
    let ex: ExchangePacket | null = null;
    if (pairable) {
      const hostOrder = this.model.directions[d].hostOrder;
      ex = {
        dir: d,
        proto: p8,
        flowHash: this.flowHash[slot]!,
        sport: this.sport[slot]!,
        dport: this.dport[slot]!,
        seq: this.seqNo[slot]!,
        origin: hostOrder[0]!,
        dest: hostOrder[hostOrder.length - 1]!,
        first: new Array<number>(H).fill(NaN),
        last: new Array<number>(H).fill(NaN),
        firstPos: new Array<number>(H).fill(-1),
        lastPos: new Array<number>(H).fill(-1),
        vmIn: pointsAt(ts, base, this.vmInPos[d]!),
        vmOut: vmOutPoints,
      };
    }

    // the end-to-end total spans the expected stages only (optional ones lie outside them or
    // split a segment inside: they neither start nor end it)
    const minE = this.minE[d]!;
    const maxE = this.maxE[d]!;
    let prev = -1;
    let prevTs = 0;
    let first = -1;
    let last = -1;
    let sum = 0;
    let unresolvedCrossings = 0;
    let pendHp = -1;
    let pendHq = -1;
    let totalUnc = 0;
    const P = this.model.directions[d].positions.length;
    for (let p = 0; p < P; p++) {
      const t = ts[base + p]!;
      if (t !== t) continue;
      const hq = ph[p]!;
      if (ex) {
        if (ex.firstPos[hq]! < 0) {
          ex.firstPos[hq] = p;
          ex.first[hq] = t;
        }
        ex.lastPos[hq] = p;
        ex.last[hq] = t;
      }
      const inTotal = p >= minE && p <= maxE;
      if (inTotal) {
        if (first < 0) first = p;
        last = p;
      }
      if (prev >= 0) {
        const hp = ph[prev]!;
        const raw = t - prevTs;
        const key = (d * W + prev) * W + p;
        const counts = inTotal && prev >= minE;
        if (hp === hq) {
          let lat = raw;
          if (lat < 0) {
            this.counters.negative_latency++;
            lat = 0;
          }
          segAcc(win, key).hist.record(lat);
          if (counts) sum += lat;
        } else {
          const c = this.clockFor(hp, hq);
          if (c) {
            let lat = raw - c.offsetNs;
            if (lat < 0) {
              this.counters.negative_latency++;
              lat = 0;
            }
            const a = segAcc(win, key);
            a.hist.record(lat);
            if (c.uncertaintyNs > a.uncertaintyNs) a.uncertaintyNs = c.uncertaintyNs;
            if (counts) {
              sum += lat;
              totalUnc += c.uncertaintyNs;
            }
          } else {
            if (counts) {
              unresolvedCrossings++;
              pendHp = hp;
              pendHq = hq;
              sum += raw;
            }
            this.bufferWire(key, hp, hq, raw, 0);
          }
        }
      }
      prev = p;
      prevTs = t;
    }

    if (last > first && first === minE && last === maxE) {
      const key = (d * W + first) * W + last;
      if (unresolvedCrossings === 0) {
        const a = acc(win.totals, key);
        a.hist.record(sum);
        if (totalUnc > a.uncertaintyNs) a.uncertaintyNs = totalUnc;
      } else if (unresolvedCrossings === 1) {
        // resolved with the crossing's offset when it becomes known
        this.bufferWire(key + TOTAL_FLAG, pendHp, pendHq, sum, totalUnc);
      }
    }

    // completion / loss
    let next = -1;
    if (mode !== MODE_COMPLETE) {
      const e = this.expected[d]!;
      for (let p = prev + 1; p < P; p++) {
        if (e[p]) {
          next = p;
          break;
        }
      }
    }
    if (mode === MODE_EVICTED) {
      this.counters.evicted++;
    } else if (prev < 0) {
      // only a DROP record: dropped before any stage of the path saw it
      if (mode === MODE_EXPIRED) this.counters.drops_before_path++;
      else this.counters.unfinished++;
    } else if (next < 0) {
      this.counters.matched++;
      if (this.seenReq[slot]! < this.expectedCount[d]!) this.counters.partial++;
      if (this.hasDrop[slot]) this.counters.drops_after_delivery++;
    } else if (mode === MODE_EXPIRED) {
      this.counters.expired_incomplete++;
      win.lost[d]!++;
      const a = segAcc(win, (d * W + prev) * W + next);
      a.lost++;
      if (this.hasDrop[slot]) {
        const reason = dropReasonName(this.dropReason[slot]!, this.dropTables[this.dropHost[slot]!]);
        a.addDrop(reason);
        this.noteDropSite(d, prev, next, slot, reason);
      }
    } else {
      this.counters.unfinished++;
    }

    if (ex) this.pairer.offer(ex, this.nowMs);
  }

  private noteDropSite(d: number, from: number, to: number, slot: number, reason: string): void {
    const host = this.model.hosts[this.dropHost[slot]!]!;
    const loc = '0x' + ((BigInt(this.dropLocHi[slot]!) << 32n) | BigInt(this.dropLocLo[slot]!)).toString(16);
    const key = `${d}|${host}|${loc}|${reason}|${from}|${to}`;
    const s = this.window.dropSites.get(key);
    if (s) s.count++;
    else {
      const pos = this.model.directions[d].positions;
      this.window.dropSites.set(key, {
        direction: d === 0 ? 'forward' : 'reverse',
        host,
        location: loc,
        reason,
        from: pos[from]!.stageName,
        to: pos[to]!.stageName,
        count: 1,
      });
    }
  }

  private bufferWire(key: number, hp: number, hq: number, raw: number, extraUnc: number): void {
    if (this.wireBuffered >= MAX_WIRE_BUFFER) {
      if (key < TOTAL_FLAG) segAcc(this.window, key).unresolved++;
      return;
    }
    const H = this.model.hosts.length;
    // entry: segment key, hosts, raw
    const pairKey = (hp < hq ? hp : hq) * H + (hp < hq ? hq : hp);
    let b = this.wireBuffer.get(pairKey);
    if (!b) {
      b = [];
      this.wireBuffer.set(pairKey, b);
    }
    b.push(key, hp, hq, raw, extraUnc);
    this.wireBuffered++;
  }

  private flushWire(pairKey: number, useHint: boolean): void {
    const b = this.wireBuffer.get(pairKey);
    if (!b) return;
    const H = this.model.hosts.length;
    const a0 = Math.floor(pairKey / H);
    const b0 = pairKey % H;
    const c0 = useHint ? this.hintOffset(a0, b0) : this.clockFor(a0, b0);
    if (!c0) return;
    for (let i = 0; i < b.length; i += WIRE_ENTRY) {
      const key = b[i]!;
      const hp = b[i + 1]!;
      const raw = b[i + 3]!;
      const unc = c0.uncertaintyNs + b[i + 4]!;
      const off = hp === a0 ? c0.offsetNs : -c0.offsetNs;
      let lat = raw - off;
      if (lat < 0) {
        this.counters.negative_latency++;
        lat = 0;
      }
      const a = key >= TOTAL_FLAG ? acc(this.window.totals, key - TOTAL_FLAG) : segAcc(this.window, key);
      a.hist.record(lat);
      if (unc > a.uncertaintyNs) a.uncertaintyNs = unc;
    }
    this.wireBuffered -= b.length / WIRE_ENTRY;
    this.wireBuffer.delete(pairKey);
  }

  private flushWireWithHints(): void {
    for (const pairKey of [...this.wireBuffer.keys()]) this.flushWire(pairKey, true);
  }

  private exchange(req: ExchangePacket, rep: ExchangePacket): void {
    this.counters.pairs++;
    const W = this.W;
    const win = this.window;
    // turnaround at the request's destination host
    const D = req.dest;
    win.vm.recordExchange(D, req.vmIn, rep.vmOut);
    if (req.lastPos[D]! >= 0 && rep.firstPos[D]! >= 0) {
      const v = rep.first[D]! - req.last[D]!;
      if (v >= 0) acc(win.turnaround, (req.dir * W + req.lastPos[D]!) * W + rep.firstPos[D]!).hist.record(v);
    }
    // round trip at the request's origin host
    const O = req.origin;
    if (req.firstPos[O]! >= 0 && rep.lastPos[O]! >= 0 && O !== D) {
      const v = rep.last[O]! - req.first[O]!;
      if (v >= 0) acc(win.rtt, (req.dir * W + req.firstPos[O]!) * W + rep.lastPos[O]!).hist.record(v);
    }
  }

  /** NTP-style clock samples of a request and a reply, one per crossing of the request's path. */
  private clockSample(req: ExchangePacket, rep: ExchangePacket): void {
    const H = this.model.hosts.length;
    const order = this.model.directions[req.dir].hostOrder;
    for (let i = 0; i + 1 < order.length; i++) {
      const x = order[i]!;
      const y = order[i + 1]!;
      const t1 = req.last[x]!;
      const t2 = req.first[y]!;
      const t3 = rep.last[y]!;
      const t4 = rep.first[x]!;
      if (!(t1 === t1 && t2 === t2 && t3 === t3 && t4 === t4)) continue;
      const offYX = (t2 - t1 + (t3 - t4)) / 2;
      const delay = t4 - t1 - (t3 - t2);
      const lo = x < y ? x : y;
      const hi = x < y ? y : x;
      const key = lo * H + hi;
      let est = this.clocks.get(key);
      if (!est) {
        est = new ClockOffsetEstimator(this.clockWindow);
        this.clocks.set(key, est);
      }
      est.add(x === lo ? offYX : -offYX, delay);
      if (this.wireBuffer.has(key)) this.flushWire(key, false);
    }
  }

  private stall(d: number, pos: number, h: number, slot: number, t: number, gap: number, typical: number, nowMs: number): void {
    if (this.window.stalls.length >= this.maxStallEvents) {
      this.counters.stall_events_dropped++;
      return;
    }
    this.window.stalls.push({
      direction: d === 0 ? 'forward' : 'reverse',
      host: this.model.hosts[h]!,
      stage: this.model.directions[d].positions[pos]!.stageName,
      flow_hash: this.flowHash[slot]! >>> 0,
      gap_ms: Math.round(gap / 1000) / 1000,
      typical_gap_ms: Math.round(typical / 1000) / 1000,
      ts_ns: (this.hostState[h]!.baseBig + BigInt(Math.round(t))).toString(),
      detected_at_ms: nowMs,
    });
  }

  private buildReport(win: StatsWindow, start: number, end: number): AnalysisReport {
    const W = this.W;
    // wire crossings still waiting for a clock offset, per segment
    const buffered = new Map<number, number>();
    for (const b of this.wireBuffer.values()) {
      for (let i = 0; i < b.length; i += WIRE_ENTRY) {
        const key = b[i]!;
        if (key < TOTAL_FLAG) buffered.set(key, (buffered.get(key) ?? 0) + 1);
      }
    }
    const dirs: DirectionReport[] = [0, 1].map((d) => {
      const dm = this.model.directions[d as 0 | 1];
      const label = (from: number, to: number) => {
        const a = dm.positions[from]!;
        const b = dm.positions[to]!;
        return {
          from: a.stageName,
          to: b.stageName,
          from_host: this.model.hosts[a.host]!,
          to_host: this.model.hosts[b.host]!,
          kind: a.host === b.host ? ('host' as const) : ('wire' as const),
        };
      };
      const entries: [number, number, SegmentAccumulator][] = [];
      const seenKeys = new Set<number>();
      for (const [key, a] of win.segments) {
        const dd = Math.floor(key / (W * W));
        if (dd !== d) continue;
        seenKeys.add(key);
        const waiting = buffered.get(key);
        let shown = a;
        if (waiting) {
          shown = a.clone();
          shown.unresolved += waiting;
        }
        entries.push([Math.floor(key / W) % W, key % W, shown]);
      }
      for (const [key, waiting] of buffered) {
        if (seenKeys.has(key) || Math.floor(key / (W * W)) !== d) continue;
        const a = new SegmentAccumulator();
        a.unresolved = waiting;
        entries.push([Math.floor(key / W) % W, key % W, a]);
      }
      entries.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      let sumAll = 0;
      for (const [, , a] of entries) sumAll += a.hist.sum;
      const segments: SegmentReport[] = entries.map(([f, t, a]) =>
        toSegmentReport(label(f, t), a, sumAll > 0 ? Math.round((a.hist.sum / sumAll) * 10000) / 10000 : 0),
      );
      let total: TotalReport | null = null;
      let best: [number, number, SegmentAccumulator] | null = null;
      for (const [key, a] of win.totals) {
        if (Math.floor(key / (W * W)) !== d) continue;
        if (!best || a.hist.count > best[2].hist.count) best = [Math.floor(key / W) % W, key % W, a];
      }
      if (best) {
        const l = label(best[0], best[1]);
        total = {
          from: l.from,
          to: l.to,
          from_host: l.from_host,
          to_host: l.to_host,
          ...latencyFields(best[2].hist),
          uncertainty_us: Math.round(best[2].uncertaintyNs) / 1000,
        };
      }
      return {
        hosts: dm.hostOrder.map((i) => this.model.hosts[i]!),
        packets: win.packets[d]!,
        lost: win.lost[d]!,
        segments,
        total,
      };
    });
    const pairStats = (map: Map<number, SegmentAccumulator>, kind: 'vm' | 'host'): SegmentReport[] => {
      const out: SegmentReport[] = [];
      for (const [key, a] of map) {
        const d = Math.floor(key / (W * W));
        const fromPos = Math.floor(key / W) % W;
        const toPos = key % W;
        const req = this.model.directions[d as 0 | 1];
        const rep = this.model.directions[(d ^ 1) as 0 | 1];
        const f = req.positions[fromPos]!;
        const t = rep.positions[toPos]!;
        out.push(
          toSegmentReport(
            {
              from: f.stageName,
              to: t.stageName,
              from_host: this.model.hosts[f.host]!,
              to_host: this.model.hosts[t.host]!,
              kind,
            },
            a,
            0,
          ),
        );
      }
      return out.sort((x, y) => y.count - x.count);
    };
    return {
      interval: { start, end },
      directions: { forward: dirs[0]!, reverse: dirs[1]! },
      vm_turnaround: pairStats(win.turnaround, 'vm'),
      vm_breakdown: win.vm.report(this.model.hosts),
      round_trip: pairStats(win.rtt, 'host'),
      clock: this.clockReports(),
      stalls: [...win.stalls],
      drop_sites: [...win.dropSites.values()].sort((a, b) => b.count - a.count),
      counters: { ...this.counters, pending: this.pendingLive },
    };
  }
}

