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
import { RECORD_SIZE, RecordOffset, Stage, type AnalysisCounters, type AnalysisReport, type ClockReport } from '@xtrace/proto';
import { ExpectedPath } from './expected-path.js';
import { HostPairClocks } from './host-pair-clocks.js';
import { HostSequenceState } from './host-sequence-state.js';
import { type MatcherOptions, type RecordBatch, type ResolvedMatcherOptions, resolveMatcherOptions } from './matcher-options.js';
import { END_COMPLETE, END_EVICTED, END_EXPIRED, END_FLUSHED, PacketFinalizer } from './packet-finalizer.js';
import { PacketSlotTable, SLOT_DONE, SLOT_PENDING } from './packet-slot-table.js';
import { buildPairReport } from './pair-report-builder.js';
import { buildPathModel, STAGE_SLOTS, type PathModel } from './path-model.js';
import { PendingWireSegments } from './pending-wire-segments.js';
import { type ExchangePacket, RequestReplyPairer } from './request-reply-pairing.js';
import { segmentKey } from './segment-key.js';
import { SlotRing } from './slot-ring.js';
import { StallWatch } from './stall-watch.js';
import { StatsWindow, acc } from './stats-window.js';

export type { MatcherOptions, RecordBatch } from './matcher-options.js';

const TWO32 = 4294967296;

export class PathMatcher {
  readonly model: PathModel;
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
  private readonly opts: ResolvedMatcherOptions;
  /** positions per direction (PathModel.width): a packet's times take this many entries */
  private readonly width: number;
  private readonly hostIndex = new Map<string, number>();
  private readonly hosts: HostSequenceState[];
  /** [forward, reverse] */
  private readonly paths: readonly [ExpectedPath, ExpectedPath];
  private readonly slots: PacketSlotTable;
  /** complete packets waiting optionalGraceMs for optional records, in completion order */
  private readonly waitingForOptional: SlotRing;
  private readonly clocks: HostPairClocks;
  private readonly wires = new PendingWireSegments();
  private readonly pairer: RequestReplyPairer;
  private readonly finalizer: PacketFinalizer;
  private readonly stalls: StallWatch;
  /** controller time of the latest ingest/tick (finalized packets reach the pairer with it) */
  private nowMs = 0;
  private window = new StatsWindow();
  private readonly run = new StatsWindow();
  private intervalStart: number;
  private readonly runStart: number;

  constructor(options: MatcherOptions) {
    const opts = resolveMatcherOptions(options);
    this.opts = opts;
    this.model = buildPathModel(opts.hosts);
    this.width = this.model.width;
    this.model.hosts.forEach((h, i) => this.hostIndex.set(h, i));
    this.hosts = this.model.hosts.map(() => new HostSequenceState());
    const hostCount = this.model.hosts.length;
    this.paths = [new ExpectedPath(this.model.directions[0], this.width, hostCount), new ExpectedPath(this.model.directions[1], this.width, hostCount)];
    this.slots = new PacketSlotTable(this.width, opts.maxPending);
    this.waitingForOptional = new SlotRing(opts.maxPending);
    this.clocks = new HostPairClocks(this.hosts, this.model.hosts, opts.clockWindow, opts.hintUncertaintyNs);
    const sink = {
      clockSample: (req: ExchangePacket, rep: ExchangePacket) => this.clockSample(req, rep),
      exchange: (req: ExchangePacket, rep: ExchangePacket) => this.exchange(req, rep),
    };
    this.pairer = new RequestReplyPairer(sink, {
      ...(opts.servicePort !== undefined ? { servicePort: opts.servicePort } : {}),
      ...(opts.pairHoldMs !== undefined ? { holdMs: opts.pairHoldMs } : {}),
    });
    this.finalizer = new PacketFinalizer(this.model, this.slots, this.paths, this.clocks, this.wires, this.pairer, this.counters, opts.dropTables);
    this.stalls = new StallWatch(this.model, opts.stall, opts.maxStallEvents, this.hosts, this.counters);
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
    const host = this.hosts[h]!;
    const lostBefore = host.batches.lost;
    if (host.accept(batch.bootId, batch.seq, batch.clockOffsetHintNs) === 'restart') this.hostRebooted(h);
    this.counters.lost_batches += host.batches.lost - lostBefore;
    this.tick(nowMs);
    this.ingestRecords(h, batch.records, n, nowMs);
    this.counters.pending = this.slots.pending;
  }

  /** The hot path: each record read in place, its packet's state in the slot table. */
  private ingestRecords(h: number, buf: Uint8Array, n: number, nowMs: number): void {
    const view = new DataView(buf.buffer, buf.byteOffset, n * RECORD_SIZE);
    const host = this.hosts[h]!;
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
      this.stalls.observe(this.window, d, pos, h, slots.flowHash[slot]!, t, nowMs);
      if (!required) {
        path.optionalSeen = true;
        // the late record a complete packet was waiting for: no need to wait any longer
        const waiting = slots.completedAtMs[slot] === slots.completedAtMs[slot];
        if (waiting && path.hasLatePositions(times, slot * width)) this.finalize(slot, END_COMPLETE);
        continue;
      }
      if (++slots.expectedRecords[slot]! === path.count && path.isSettled(nowMs, settleMs)) this.complete(slot, nowMs);
    }
    counters.records_in += n;
    counters.records_other_probe += otherProbe;
  }

  /** Expire packets older than the timeout (controller time). */
  tick(nowMs: number): void {
    this.nowMs = nowMs;
    const settleMs = this.opts.settleMs;
    const forward = this.paths[0].needsSweep(nowMs, settleMs);
    const reverse = this.paths[1].needsSweep(nowMs, settleMs);
    if (forward || reverse) this.finalizeSettled(forward, reverse);
    this.finalizeGraced(nowMs);
    const limit = nowMs - this.opts.timeoutMs;
    while (this.slots.allocated > 0 && this.slots.oldestAllocatedAtMs() <= limit) this.endOldest(END_EXPIRED);
    this.pairer.release(nowMs);
    this.counters.pending = this.slots.pending;
    this.counters.pairs_settled_early = this.pairer.forcedEarly;
  }

  /** Statistics since the previous call (or start), then starts a new interval. */
  takeIntervalReport(nowMs: number): AnalysisReport {
    this.tick(nowMs);
    this.resolveWaitingWithHints();
    const report = this.report(this.window, this.intervalStart, nowMs);
    this.run.merge(this.window, this.opts.maxStallEvents);
    this.window = new StatsWindow();
    this.intervalStart = nowMs;
    return report;
  }

  /** Statistics of the whole run so far (the open interval included); does not reset. */
  totalReport(nowMs: number): AnalysisReport {
    this.tick(nowMs);
    this.resolveWaitingWithHints();
    const all = new StatsWindow();
    all.merge(this.run, this.opts.maxStallEvents);
    all.merge(this.window, this.opts.maxStallEvents);
    return this.report(all, this.runStart, nowMs);
  }

  /**
   * End of the run: expires what timed out, then finalizes every other pending packet
   * without inferring loss (they may still be in flight; count in `unfinished`), and
   * returns the whole-run report. Call it `timeoutMs` after traffic capture stopped.
   */
  finish(nowMs: number): AnalysisReport {
    this.tick(nowMs);
    this.finalizeGraced(Infinity);
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

  private finalize(slot: number, how: number): void {
    this.finalizer.finalize(slot, how, this.window, this.nowMs);
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
    if (this.slots.state[slot] === SLOT_PENDING) this.finalize(slot, how);
    this.slots.release(slot);
  }

  /**
   * The expected set of a direction has just settled: its packets that completed while it was
   * settling waited for it; finalize them now, oldest first over both directions, so packets
   * reach statistics and request/reply pairing in the order they were created (later ones
   * finalize on completion).
   */
  private finalizeSettled(forward: boolean, reverse: boolean): void {
    if (forward) this.paths[0].sweptAtGrowth = this.paths[0].grewAtMs;
    if (reverse) this.paths[1].sweptAtGrowth = this.paths[1].grewAtMs;
    const slots = this.slots;
    for (let i = 0; i < slots.allocated; i++) {
      const slot = slots.allocatedAt(i);
      if (slots.state[slot] !== SLOT_PENDING) continue;
      const d = slots.direction[slot]!;
      if ((d === 0 ? forward : reverse) && slots.expectedRecords[slot] === this.paths[d]!.count) this.complete(slot, this.nowMs);
    }
  }

  /**
   * A packet has every expected stage: finalized now, or, once its direction has optional
   * stages, when it also has the late ones (kvm_irq) or optionalGraceMs later (they may come later).
   */
  private complete(slot: number, nowMs: number): void {
    const slots = this.slots;
    const path = this.paths[slots.direction[slot]!]!;
    if (!path.optionalSeen || this.opts.optionalGraceMs <= 0 || path.hasLatePositions(slots.times, slot * this.width)) {
      this.finalize(slot, END_COMPLETE);
      return;
    }
    if (slots.completedAtMs[slot] === slots.completedAtMs[slot]) return; // already waiting
    slots.completedAtMs[slot] = nowMs;
    this.waitingForOptional.push(slot, nowMs);
  }

  /** Finalizes complete packets whose grace ran out by nowMs (Infinity: all). */
  private finalizeGraced(nowMs: number): void {
    const limit = nowMs - this.opts.optionalGraceMs;
    const queue = this.waitingForOptional;
    const slots = this.slots;
    while (queue.size > 0) {
      const slot = queue.oldest();
      const at = queue.oldestAt();
      // a slot finalized otherwise (expired, evicted) and reused since is not this entry's
      const current = slots.completedAtMs[slot] === at && slots.state[slot] === SLOT_PENDING;
      if (current && at > limit) break;
      queue.dropOldest();
      if (current) this.finalize(slot, END_COMPLETE);
    }
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
    this.clocks.forgetHost(h);
    this.pairer.clear();
    this.stalls.forgetAll();
  }

  /** The crossings of a host pair waiting for an offset, corrected now if the pair has one (from exchanges, or the wall-clock hint). */
  private resolveWaiting(pairKey: number, fromHint: boolean): void {
    const low = this.clocks.lowHostOf(pairKey);
    const high = this.clocks.highHostOf(pairKey);
    const c = fromHint ? this.clocks.hintOffset(low, high) : this.clocks.offset(low, high);
    if (c) this.wires.resolve(pairKey, low, c, this.window, this.counters);
  }

  private resolveWaitingWithHints(): void {
    for (const pairKey of this.wires.pairKeys()) this.resolveWaiting(pairKey, true);
  }

  /** A request and its reply (pairer sink): VM turnaround at the request's destination, round trip at its origin. */
  private exchange(req: ExchangePacket, rep: ExchangePacket): void {
    this.counters.pairs++;
    const width = this.width;
    const win = this.window;
    const dest = req.dest;
    win.vm.recordExchange(dest, req.vmIn, rep.vmOut);
    if (req.lastPos[dest]! >= 0 && rep.firstPos[dest]! >= 0) {
      const v = rep.first[dest]! - req.last[dest]!;
      if (v >= 0) acc(win.turnaround, segmentKey(req.dir, req.lastPos[dest]!, rep.firstPos[dest]!, width)).hist.record(v);
    }
    const origin = req.origin;
    if (req.firstPos[origin]! >= 0 && rep.lastPos[origin]! >= 0 && origin !== dest) {
      const v = rep.last[origin]! - req.first[origin]!;
      if (v >= 0) acc(win.rtt, segmentKey(req.dir, req.firstPos[origin]!, rep.lastPos[origin]!, width)).hist.record(v);
    }
  }

  /** NTP-style clock samples of a request and its reply (pairer sink), one per crossing of the request's path. */
  private clockSample(req: ExchangePacket, rep: ExchangePacket): void {
    const order = this.model.directions[req.dir as 0 | 1].hostOrder;
    for (let i = 0; i + 1 < order.length; i++) {
      const pairKey = this.clocks.addCrossing(req, rep, order[i]!, order[i + 1]!);
      if (pairKey >= 0 && this.wires.has(pairKey)) this.resolveWaiting(pairKey, false);
    }
  }
}
