/**
 * A packet's end (complete, expired, evicted, or flushed at the end of the run) turned into
 * statistics: a latency per segment between consecutive positions that saw it (a wire
 * crossing corrected by its hosts' clock offset, or left waiting for one), the end-to-end
 * total over the expected positions, loss on the segment after its last position with the
 * drop reason and site, and its times per host handed to request/reply pairing.
 */
import type { AnalysisCounters } from '@xtrace/proto';
import { type DropReasonTable, dropReasonName } from './drop-reasons.js';
import type { ExpectedPath } from './expected-path.js';
import type { HostPairClocks } from './host-pair-clocks.js';
import type { OpenInterval } from './open-interval.js';
import type { PacketSlotTable } from './packet-slot-table.js';
import type { PathModel } from './path-model.js';
import type { PendingWireSegments } from './pending-wire-segments.js';
import { type ExchangePacket, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, type RequestReplyPairer } from './request-reply-pairing.js';
import { type StatsWindow, acc, segAcc } from './stats-window.js';

/** how a packet ends */
export const END_COMPLETE = 0;
/** timed out: loss when it did not reach the end of the path */
export const END_EXPIRED = 1;
/** pushed out by a newer packet (pool full): no loss inferred */
export const END_EVICTED = 2;
/** still pending at the end of the run: no loss inferred */
export const END_FLUSHED = 3;

const NO_POINTS: readonly [number, number, number] = [NaN, NaN, NaN];

/** A packet's times at three positions (-1: not on the path), NaN where it has none. */
function pointsAt(times: Float64Array, base: number, pos: Int16Array): readonly [number, number, number] {
  const [a, b, c] = [pos[0]!, pos[1]!, pos[2]!];
  if (a < 0 && b < 0 && c < 0) return NO_POINTS;
  return [a < 0 ? NaN : times[base + a]!, b < 0 ? NaN : times[base + b]!, c < 0 ? NaN : times[base + c]!];
}

export class PacketFinalizer {
  private readonly width: number;
  /** templates of an exchange packet's per-host arrays (copied by slice: packed, no fill per packet) */
  private readonly noTimes: number[];
  private readonly noPositions: number[];

  constructor(
    private readonly model: PathModel,
    private readonly slots: PacketSlotTable,
    private readonly paths: readonly [ExpectedPath, ExpectedPath],
    private readonly clocks: HostPairClocks,
    private readonly wires: PendingWireSegments,
    private readonly pairer: RequestReplyPairer,
    private readonly interval: OpenInterval,
    private readonly counters: AnalysisCounters,
    /** per host index: the names of that host kernel's drop reasons */
    private readonly dropTables: readonly DropReasonTable[],
  ) {
    this.width = model.width;
    this.noTimes = Array.from(model.hosts, () => NaN);
    this.noPositions = Array.from(model.hosts, () => -1);
  }

  /** The pending packet in `slot` ends (`how`: END_*); its statistics go to the open interval. */
  finalize(slot: number, how: number): void {
    const win = this.interval.window;
    const slots = this.slots;
    const d = slots.direction[slot]!;
    const width = this.width;
    const base = slot * width;
    const times = slots.times;
    const path = this.paths[d]!;
    const hostOfPos = path.hostOfPos;
    const counters = this.counters;
    slots.markDone(slot);
    win.packets[d]!++;
    const vmOutPoints = pointsAt(times, base, path.vmOutPositions);
    // the probe's requests leaving the source VM (its own hypervisor's clock)
    if (d === 0) win.vm.recordSource(this.model.directions[0].hostOrder[0]!, vmOutPoints);

    const exchange = this.exchangePacket(slot, d, base, vmOutPoints);

    // the end-to-end total spans the expected stages only (optional ones lie outside them or
    // split a segment inside: they neither start nor end it)
    const firstExpected = path.firstPos;
    const lastExpected = path.lastPos;
    let prev = -1;
    let prevTime = 0;
    let first = -1;
    let last = -1;
    let totalNs = 0;
    let unresolvedCrossings = 0;
    let unresolvedFrom = -1;
    let unresolvedTo = -1;
    let totalUncertaintyNs = 0;
    const positionCount = path.positionCount;
    for (let p = 0; p < positionCount; p++) {
      const t = times[base + p]!;
      if (t !== t) continue;
      const toHost = hostOfPos[p]!;
      if (exchange) {
        if (exchange.firstPos[toHost]! < 0) {
          exchange.firstPos[toHost] = p;
          exchange.first[toHost] = t;
        }
        exchange.lastPos[toHost] = p;
        exchange.last[toHost] = t;
      }
      const inTotal = p >= firstExpected && p <= lastExpected;
      if (inTotal) {
        if (first < 0) first = p;
        last = p;
      }
      if (prev >= 0) {
        const fromHost = hostOfPos[prev]!;
        const raw = t - prevTime;
        const key = (d * width + prev) * width + p; // segment-key.ts
        const inTotalSpan = inTotal && prev >= firstExpected;
        if (fromHost === toHost) {
          let lat = raw;
          if (lat < 0) {
            counters.negative_latency++;
            lat = 0;
          }
          segAcc(win, key).hist.record(lat);
          if (inTotalSpan) totalNs += lat;
        } else {
          const correction = this.clocks.offset(fromHost, toHost);
          if (correction) {
            let lat = raw - correction.offsetNs;
            if (lat < 0) {
              counters.negative_latency++;
              lat = 0;
            }
            const a = segAcc(win, key);
            a.hist.record(lat);
            if (correction.uncertaintyNs > a.uncertaintyNs) a.uncertaintyNs = correction.uncertaintyNs;
            if (inTotalSpan) {
              totalNs += lat;
              totalUncertaintyNs += correction.uncertaintyNs;
            }
          } else {
            if (inTotalSpan) {
              unresolvedCrossings++;
              unresolvedFrom = fromHost;
              unresolvedTo = toHost;
              totalNs += raw;
            }
            this.wires.addSegment(win, this.clocks.pairKey(fromHost, toHost), key, fromHost, toHost, raw);
          }
        }
      }
      prev = p;
      prevTime = t;
    }

    if (last > first && first === firstExpected && last === lastExpected) {
      const key = (d * width + first) * width + last;
      if (unresolvedCrossings === 0) {
        const a = acc(win.totals, key);
        a.hist.record(totalNs);
        if (totalUncertaintyNs > a.uncertaintyNs) a.uncertaintyNs = totalUncertaintyNs;
      } else if (unresolvedCrossings === 1) {
        // resolved with the crossing's offset when it becomes known
        this.wires.addTotal(this.clocks.pairKey(unresolvedFrom, unresolvedTo), key, unresolvedFrom, unresolvedTo, totalNs, totalUncertaintyNs);
      }
    }

    this.countEnd(slot, how, d, prev, win);
    if (exchange) this.pairer.offer(exchange, this.interval.nowMs);
  }

  /** completion or loss of a packet whose last position with a record is `lastSeen` (-1: none) */
  private countEnd(slot: number, how: number, d: number, lastSeen: number, win: StatsWindow): void {
    const counters = this.counters;
    const slots = this.slots;
    const path = this.paths[d]!;
    const next = how === END_COMPLETE ? -1 : path.nextExpectedAfter(lastSeen);
    if (how === END_EVICTED) {
      counters.evicted++;
    } else if (lastSeen < 0) {
      // only a DROP record: dropped before any stage of the path saw it
      if (how === END_EXPIRED) counters.drops_before_path++;
      else counters.unfinished++;
    } else if (next < 0) {
      counters.matched++;
      if (slots.expectedRecords[slot]! < path.count) counters.partial++;
      if (slots.hasDrop[slot]) counters.drops_after_delivery++;
    } else if (how === END_EXPIRED) {
      counters.expired_incomplete++;
      win.lost[d]!++;
      const width = this.width;
      const a = segAcc(win, (d * width + lastSeen) * width + next);
      a.lost++;
      if (slots.hasDrop[slot]) {
        const reason = dropReasonName(slots.dropReason[slot]!, this.dropTables[slots.dropHost[slot]!]);
        a.addDrop(reason);
        this.noteDropSite(win, d, lastSeen, next, slot, reason);
      }
    } else {
      counters.unfinished++;
    }
  }

  /** the packet as request/reply pairing sees it (its times per host are filled in by finalize), or null when its protocol does not pair */
  private exchangePacket(slot: number, d: number, base: number, vmOut: readonly [number, number, number]): ExchangePacket | null {
    const slots = this.slots;
    const proto = slots.proto[slot]!;
    if (proto !== IPPROTO_ICMP && proto !== IPPROTO_ICMPV6 && proto !== IPPROTO_UDP && proto !== IPPROTO_TCP) return null;
    const hostOrder = this.model.directions[d as 0 | 1].hostOrder;
    return {
      dir: d,
      proto,
      flowHash: slots.flowHash[slot]!,
      sport: slots.sport[slot]!,
      dport: slots.dport[slot]!,
      seq: slots.seqNo[slot]!,
      origin: hostOrder[0]!,
      dest: hostOrder[hostOrder.length - 1]!,
      first: this.noTimes.slice(),
      last: this.noTimes.slice(),
      firstPos: this.noPositions.slice(),
      lastPos: this.noPositions.slice(),
      vmIn: pointsAt(slots.times, base, this.paths[d]!.vmInPositions),
      vmOut,
    };
  }

  private noteDropSite(win: StatsWindow, d: number, from: number, to: number, slot: number, reason: string): void {
    const slots = this.slots;
    const host = this.model.hosts[slots.dropHost[slot]!]!;
    const location = '0x' + ((BigInt(slots.dropLocationHigh[slot]!) << 32n) | BigInt(slots.dropLocationLow[slot]!)).toString(16);
    const key = `${d}|${host}|${location}|${reason}|${from}|${to}`;
    const site = win.dropSites.get(key);
    if (site) {
      site.count++;
      return;
    }
    const pos = this.model.directions[d as 0 | 1].positions;
    win.dropSites.set(key, {
      direction: d === 0 ? 'forward' : 'reverse',
      host,
      location,
      reason,
      from: pos[from]!.stageName,
      to: pos[to]!.stageName,
      count: 1,
    });
  }
}
