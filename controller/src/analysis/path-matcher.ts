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
 * This class is the orchestrator: it reads records and routes them to its parts (each file
 * says more): packet-slot-table.ts (packet state, id table), expected-path.ts (the stages
 * expected per direction), host-sequence-state.ts (per host: batch sequence and loss as in
 * batch-sequence.ts, boot, time base), packet-completion.ts (when a complete packet is
 * finalized), packet-finalizer.ts (a packet into statistics), request-reply-pairing.ts with
 * exchange-recorder.ts and host-pair-clocks.ts (clock offsets, turnaround, round trip),
 * pending-wire-segments.ts (crossings waiting for an offset), stall-watch.ts and
 * pair-report-builder.ts.
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
 * Batches: a seq gap counts `lost_batches` until the missing batch comes late; a new boot id
 * is a reboot (`host_reboots`): the host's clock restarted, its offsets are re-learned.
 */
import { RECORD_SIZE, RecordOffset, Stage, type AnalysisCounters, type AnalysisReport, type ClockReport } from '@xtrace/proto';
import { emptyAnalysisCounters } from './analysis-counters.js';
import { ExchangeRecorder } from './exchange-recorder.js';
import { ExpectedPath } from './expected-path.js';
import { HostPairClocks } from './host-pair-clocks.js';
import { HostSequenceState } from './host-sequence-state.js';
import { type MatcherOptions, type RecordBatch, type ResolvedMatcherOptions, resolveMatcherOptions } from './matcher-options.js';
import { OpenInterval } from './open-interval.js';
import { PacketCompletion } from './packet-completion.js';
import { END_EVICTED, END_EXPIRED, END_FLUSHED, PacketFinalizer } from './packet-finalizer.js';
import { PacketSlotTable, SLOT_DONE, SLOT_PENDING } from './packet-slot-table.js';
import { buildPairReport } from './pair-report-builder.js';
import { buildPathModel, STAGE_SLOTS, type PathModel } from './path-model.js';
import { PendingWireSegments } from './pending-wire-segments.js';
import { RequestReplyPairer, type ExchangePacket } from './request-reply-pairing.js';
import { HOST_CUT_MARGIN_NS } from './host-catch-up.js';
import { StallWatch } from './stall-watch.js';
import { StatsWindow } from './stats-window.js';

export type { RecordBatch } from './matcher-options.js';

const TWO32 = 4294967296;

export class PathMatcher {
  readonly model: PathModel;
  readonly counters: AnalysisCounters = emptyAnalysisCounters();
  private readonly opts: ResolvedMatcherOptions;
  /** positions per direction (PathModel.width): a packet's times take this many entries */
  private readonly width: number;
  private readonly hostIndex = new Map<string, number>();
  private readonly hostStates: HostSequenceState[];
  /** [forward, reverse] */
  private readonly paths: readonly [ExpectedPath, ExpectedPath];
  private readonly slots: PacketSlotTable;
  private readonly clocks: HostPairClocks;
  private readonly wires = new PendingWireSegments();
  private readonly exchanges: ExchangeRecorder;
  private readonly pairer: RequestReplyPairer;
  /** per host: its newest batch cut (envelope clock.monoNs) in its time base, ns (NaN: none yet, or none since a reboot) */
  private readonly lastCutNs: Float64Array;
  private readonly finalizer: PacketFinalizer;
  private readonly completion: PacketCompletion;
  private readonly stalls: StallWatch;
  private readonly interval = new OpenInterval();
  private readonly run = new StatsWindow();
  private intervalStart: number;
  private readonly runStart: number;

  constructor(options: MatcherOptions) {
    const opts = resolveMatcherOptions(options);
    this.opts = opts;
    this.model = buildPathModel(opts.hosts);
    this.width = this.model.width;
    this.model.hosts.forEach((h, i) => this.hostIndex.set(h, i));
    this.hostStates = this.model.hosts.map(() => new HostSequenceState());
    const hostCount = this.model.hosts.length;
    this.paths = [new ExpectedPath(this.model.directions[0], this.width, hostCount), new ExpectedPath(this.model.directions[1], this.width, hostCount)];
    this.slots = new PacketSlotTable(this.width, opts.maxPending);
    this.clocks = new HostPairClocks(this.hostStates, this.model.hosts, opts.clockWindow, opts.hintUncertaintyNs);
    this.exchanges = new ExchangeRecorder(this.model, this.clocks, this.wires, this.interval, this.counters);
    this.lastCutNs = new Float64Array(this.model.hosts.length).fill(NaN);
    this.pairer = new RequestReplyPairer(this.exchanges, {
      ...(opts.servicePort !== undefined ? { servicePort: opts.servicePort } : {}),
      ...(opts.pairHoldMs !== undefined ? { holdMs: opts.pairHoldMs } : {}),
      caughtUp: (p) => this.hostsSentThrough(p),
    });
    this.finalizer = new PacketFinalizer(this.model, this.slots, this.paths, this.clocks, this.wires, this.pairer, this.interval, this.counters, opts.dropTables);
    this.completion = new PacketCompletion(this.slots, this.paths, this.finalizer, opts.optionalGraceMs);
    this.stalls = new StallWatch(this.model, opts.stall, opts.maxStallEvents, this.hostStates, this.counters);
    this.intervalStart = opts.startMs;
    this.runStart = opts.startMs;
    if (opts.expectedStages) this.seedExpected(opts.expectedStages, opts.startMs);
  }

  /** Approximate bytes held by the packet pool and id table (grows with pending packets). */
  memoryFootprint(): { slots: number; bytes: number } {
    return { slots: this.slots.size, bytes: this.slots.bytes };
  }

  /** Pending packets (not finalized). */
  get pending(): number {
    return this.slots.pending;
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
    const host = this.hostStates[h]!;
    const lostBefore = host.batches.lost;
    if (host.accept(batch.bootId, batch.seq, batch.clockOffsetHintNs) === 'restart') this.hostRebooted(h);
    this.counters.lost_batches += host.batches.lost - lostBefore;
    if (batch.cutMonoNs !== undefined) for (const path of this.paths) path.catchUp.cut(h, Number(batch.cutMonoNs));
    this.tick(nowMs);
    this.ingestRecords(h, batch.records, n, nowMs);
    if (batch.cutMonoNs !== undefined && host.hasTimeBase) this.lastCutNs[h] = Number(BigInt(batch.cutMonoNs) - host.timeBaseNs);
    this.counters.pending = this.slots.pending;
  }

  /**
   * Whether every host packet `p` was recorded on has sent all it recorded until `HOST_CUT_MARGIN_NS`
   * after the packet's last time there: a batch cut that late holds every record of the packet's
   * request (recorded earlier on the same hosts). A host that sends no cuts counts as caught up.
   */
  private hostsSentThrough(p: ExchangePacket): boolean {
    for (let i = 0; i < p.last.length; i++) {
      const t = p.last[i]!;
      const cut = this.lastCutNs[i]!;
      if (t === t && cut === cut && cut < t + HOST_CUT_MARGIN_NS) return false;
    }
    return true;
  }

  /** The hot path: each record read in place, its packet's state in the slot table. */
  private ingestRecords(h: number, buf: Uint8Array, n: number, nowMs: number): void {
    const view = new DataView(buf.buffer, buf.byteOffset, n * RECORD_SIZE);
    const host = this.hostStates[h]!;
    host.ensureTimeBase(view);
    const baseLow = host.timeBaseLow;
    const baseHigh = host.timeBaseHigh;
    const probeBit = this.opts.probeBit;
    const settleMs = this.opts.settleMs;
    const width = this.width;
    const slots = this.slots;
    const paths = this.paths;
    const counters = this.counters;
    const lookupForward = this.model.directions[0].lookup;
    const lookupReverse = this.model.directions[1].lookup;
    const hostOffset = h * STAGE_SLOTS;
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
        (view.getUint32(off + RecordOffset.tsNs + 4, true) - baseHigh) * TWO32 +
        (view.getUint32(off + RecordOffset.tsNs, true) - baseLow);
      let pos = -1;
      if (stage !== Stage.drop) {
        pos = stage < STAGE_SLOTS ? (d === 0 ? lookupForward : lookupReverse)[hostOffset + stage]! : -1;
        if (pos < 0) {
          counters.records_bad_stage++;
          continue;
        }
      }
      const idLow = view.getUint32(off + RecordOffset.pktId, true);
      const idHigh = view.getUint32(off + RecordOffset.pktId + 4, true);
      let slot = slots.find(idLow, idHigh);
      if (slot < 0) {
        slot = this.newPacket(idLow, idHigh, nowMs);
        slots.direction[slot] = d;
        slots.proto[slot] = view.getUint8(off + RecordOffset.proto);
        slots.sport[slot] = view.getUint16(off + RecordOffset.sport, true);
        slots.dport[slot] = view.getUint16(off + RecordOffset.dport, true);
        slots.flowHash[slot] = view.getUint32(off + RecordOffset.flowHash, true) | 0;
        slots.seqNo[slot] = view.getUint32(off + RecordOffset.seq, true);
      } else if (slots.state[slot] === SLOT_DONE) {
        counters.late_records++;
        continue;
      }
      if (pos < 0) {
        // DROP record: keep the first
        counters.drop_records++;
        if (slots.hasDrop[slot] === 0) {
          slots.hasDrop[slot] = 1;
          slots.dropReason[slot] = view.getUint32(off + RecordOffset.dropReason, true);
          slots.dropHost[slot] = h;
          slots.dropLocationLow[slot] = view.getUint32(off + RecordOffset.dropLocation, true);
          slots.dropLocationHigh[slot] = view.getUint32(off + RecordOffset.dropLocation + 4, true);
        }
        continue;
      }
      if (slots.direction[slot] !== d) {
        // same id in both directions: an id collision; keep the first direction's view
        counters.records_bad_stage++;
        continue;
      }
      const times = slots.times;
      const ti = slot * width + pos;
      if (times[ti] === times[ti]) {
        counters.duplicates++;
        continue;
      }
      times[ti] = t;
      const path = paths[d]!;
      const required = path.optional[pos] === 0;
      if (required && path.expected[pos] === 0) path.learn(pos, nowMs);
      this.stalls.observe(this.interval.window, d, pos, h, slots.flowHash[slot]!, t, nowMs);
      if (!required) {
        path.optionalSeen = true;
        this.completion.optionalRecord(slot, path);
        continue;
      }
      if (++slots.expectedRecords[slot]! === path.count && path.isSettled(nowMs, settleMs)) this.completion.complete(slot, nowMs);
    }
    counters.records_in += n;
    counters.records_other_probe += otherProbe;
  }

  /** Expire packets older than the timeout (controller time). */
  tick(nowMs: number): void {
    this.interval.nowMs = nowMs;
    this.completion.finalizeSettled(nowMs, this.opts.settleMs);
    this.completion.finalizeGraced(nowMs);
    const limit = nowMs - this.opts.timeoutMs;
    while (this.slots.allocated > 0 && this.slots.oldestAllocatedAtMs() <= limit) this.endOldest(END_EXPIRED);
    this.pairer.release(nowMs);
    this.counters.pending = this.slots.pending;
    this.counters.pairs_settled_early = this.pairer.forcedEarly;
  }

  /** Statistics since the previous call (or start), then starts a new interval. */
  takeIntervalReport(nowMs: number): AnalysisReport {
    this.tick(nowMs);
    this.exchanges.resolveWaitingWithHints();
    const report = this.report(this.interval.window, this.intervalStart, nowMs);
    this.run.merge(this.interval.window, this.opts.maxStallEvents);
    this.interval.window = new StatsWindow();
    this.intervalStart = nowMs;
    return report;
  }

  /** Statistics of the whole run so far (the open interval included); does not reset. */
  totalReport(nowMs: number): AnalysisReport {
    this.tick(nowMs);
    this.exchanges.resolveWaitingWithHints();
    const all = new StatsWindow();
    all.merge(this.run, this.opts.maxStallEvents);
    all.merge(this.interval.window, this.opts.maxStallEvents);
    return this.report(all, this.runStart, nowMs);
  }

  /**
   * End of the run: expires what timed out, then finalizes every other pending packet
   * without inferring loss (they may still be in flight; count in `unfinished`), and
   * returns the whole-run report. Call it `timeoutMs` after traffic capture stopped.
   */
  finish(nowMs: number): AnalysisReport {
    this.tick(nowMs);
    this.completion.finalizeGraced(Infinity);
    while (this.slots.allocated > 0) this.endOldest(END_FLUSHED);
    this.pairer.flush();
    this.counters.pending = 0;
    return this.totalReport(nowMs);
  }

  /** Current clock offset estimates, absolute (CLOCK_MONOTONIC of hosts[1] minus hosts[0]). */
  clockReports(): ClockReport[] {
    return this.clocks.reports();
  }

  // ---- internals -------------------------------------------------------------------------

  private report(win: StatsWindow, start: number, end: number): AnalysisReport {
    return buildPairReport({
      model: this.model,
      window: win,
      start,
      end,
      waitingPerSegment: this.wires.waitingPerSegment(),
      clock: this.clocks.reports(),
      counters: { ...this.counters, pending: this.slots.pending },
    });
  }

  /** A slot for a new packet id; when the pool is full, the oldest packet (or tombstone) is evicted. */
  private newPacket(idLow: number, idHigh: number, nowMs: number): number {
    if (!this.slots.canAllocate()) this.endOldest(END_EVICTED);
    this.counters.packets++;
    return this.slots.allocate(idLow, idHigh, nowMs);
  }

  /** Takes the oldest allocated slot: finalized (`how`) if still pending, then freed. */
  private endOldest(how: number): void {
    const slot = this.slots.oldest();
    this.slots.dropOldest();
    if (this.slots.state[slot] === SLOT_PENDING) this.finalizer.finalize(slot, how);
    this.slots.release(slot);
  }

  private seedExpected(byHost: Record<string, readonly string[]>, nowMs: number): void {
    for (const [hostId, stages] of Object.entries(byHost)) {
      const h = this.hostIndex.get(hostId);
      if (h === undefined) continue;
      for (const name of stages) {
        const id = (Stage as Record<string, number>)[name];
        if (id === undefined) continue;
        for (const path of this.paths) {
          const pos = path.model.lookup[h * STAGE_SLOTS + id]!;
          if (pos >= 0) path.seed(pos, nowMs);
        }
      }
    }
  }

  /** A new boot id: the host's clock restarted, so its offsets, held pairs and flow gaps mean nothing. */
  private hostRebooted(h: number): void {
    this.counters.host_reboots++;
    this.lastCutNs[h] = NaN;
    this.clocks.forgetHost(h);
    this.pairer.clear();
    this.stalls.forgetAll();
  }
}
