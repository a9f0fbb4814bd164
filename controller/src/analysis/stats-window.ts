/**
 * Statistics of one interval (or, merged, of the whole run): per-segment accumulators keyed by
 * (direction, from position, to position) = (d * W + from) * W + to, end-to-end totals, VM
 * turnaround and round trip, drop sites, stall events, packets and losses per direction.
 */
import type { DropSiteReport, StallReport } from '@xtrace/proto';
import { SegmentAccumulator } from './segment-accumulator.js';
import { VmBreakdownStats } from './vm-breakdown.js';

/** Per-interval (and, merged, whole-run) statistics. */
export class StatsWindow {
  readonly segments = new Map<number, SegmentAccumulator>();
  /** same accumulators as `segments`, indexed by key (hot path) */
  readonly segmentIndex: (SegmentAccumulator | undefined)[] = [];
  readonly totals = new Map<number, SegmentAccumulator>();
  readonly turnaround = new Map<number, SegmentAccumulator>();
  readonly rtt = new Map<number, SegmentAccumulator>();
  readonly vm = new VmBreakdownStats();
  readonly dropSites = new Map<string, DropSiteReport>();
  readonly stalls: StallReport[] = [];
  readonly packets = [0, 0];
  readonly lost = [0, 0];

  merge(o: StatsWindow, maxStalls: number): void {
    mergeMap(this.segments, o.segments);
    mergeMap(this.totals, o.totals);
    mergeMap(this.turnaround, o.turnaround);
    mergeMap(this.rtt, o.rtt);
    this.vm.merge(o.vm);
    for (const [k, v] of o.dropSites) {
      const mine = this.dropSites.get(k);
      if (mine) mine.count += v.count;
      else this.dropSites.set(k, { ...v });
    }
    for (const s of o.stalls) if (this.stalls.length < maxStalls) this.stalls.push(s);
    for (let d = 0; d < 2; d++) {
      this.packets[d]! += o.packets[d]!;
      this.lost[d]! += o.lost[d]!;
    }
  }
}

function mergeMap(into: Map<number, SegmentAccumulator>, from: Map<number, SegmentAccumulator>): void {
  for (const [k, v] of from) {
    const mine = into.get(k);
    if (mine) mine.merge(v);
    else into.set(k, v.clone());
  }
}

export function segAcc(win: StatsWindow, key: number): SegmentAccumulator {
  let a = win.segmentIndex[key];
  if (a === undefined) {
    a = acc(win.segments, key);
    win.segmentIndex[key] = a;
  }
  return a;
}

export function acc(map: Map<number, SegmentAccumulator>, key: number): SegmentAccumulator {
  let a = map.get(key);
  if (!a) {
    a = new SegmentAccumulator();
    map.set(key, a);
  }
  return a;
}

