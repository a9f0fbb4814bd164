/**
 * Wire crossings waiting for a clock offset: a packet finalized before its two hosts had an
 * offset leaves its raw cross-host latency here (and its end-to-end total, when that has one
 * such crossing), per host pair; when the pair gets an offset (its first exchange, or the
 * wall-clock hint at an interval's end) they are corrected and recorded. Bounded: beyond
 * MAX_WAITING crossings a segment counts the crossing `unresolved` instead.
 *
 * Entries are flat numbers, ENTRY_FIELDS per crossing: key (a segment key, or a total's key +
 * TOTAL_KEY_FLAG), from host, to host, raw latency ns, extra uncertainty ns.
 */
import type { AnalysisCounters } from '@xtrace/proto';
import type { ClockCorrection } from './host-pair-clocks.js';
import { StatsWindow, acc, segAcc } from './stats-window.js';

const MAX_WAITING = 65_536;
/** marks an entry as an end-to-end total (segment keys are far below) */
const TOTAL_KEY_FLAG = 2 ** 40;
const ENTRY_FIELDS = 5;

export class PendingWireSegments {
  private readonly byPair = new Map<number, number[]>();
  private waiting = 0;

  /** A segment crossing hosts fromHost -> toHost of the pair `pairKey`, raw latency (no offset taken out). */
  addSegment(win: StatsWindow, pairKey: number, key: number, fromHost: number, toHost: number, rawNs: number): void {
    if (this.waiting >= MAX_WAITING) {
      segAcc(win, key).unresolved++;
      return;
    }
    this.push(pairKey, key, fromHost, toHost, rawNs, 0);
  }

  /** An end-to-end total whose only unresolved crossing is fromHost -> toHost; `extraUncertaintyNs` from its resolved ones. */
  addTotal(pairKey: number, key: number, fromHost: number, toHost: number, rawNs: number, extraUncertaintyNs: number): void {
    if (this.waiting >= MAX_WAITING) return;
    this.push(pairKey, key + TOTAL_KEY_FLAG, fromHost, toHost, rawNs, extraUncertaintyNs);
  }

  has(pairKey: number): boolean {
    return this.byPair.has(pairKey);
  }

  pairKeys(): number[] {
    return [...this.byPair.keys()];
  }

  /**
   * The pair got an offset (`correction`: clock of `lowHost`'s partner minus lowHost's): its
   * crossings are corrected and recorded in `win`.
   */
  resolve(pairKey: number, lowHost: number, correction: ClockCorrection, win: StatsWindow, counters: AnalysisCounters): void {
    const b = this.byPair.get(pairKey);
    if (!b) return;
    for (let i = 0; i < b.length; i += ENTRY_FIELDS) {
      const key = b[i]!;
      const fromHost = b[i + 1]!;
      const raw = b[i + 3]!;
      const uncertainty = correction.uncertaintyNs + b[i + 4]!;
      const offset = fromHost === lowHost ? correction.offsetNs : -correction.offsetNs;
      let lat = raw - offset;
      if (lat < 0) {
        counters.negative_latency++;
        lat = 0;
      }
      const a = key >= TOTAL_KEY_FLAG ? acc(win.totals, key - TOTAL_KEY_FLAG) : segAcc(win, key);
      a.hist.record(lat);
      if (uncertainty > a.uncertaintyNs) a.uncertaintyNs = uncertainty;
    }
    this.waiting -= b.length / ENTRY_FIELDS;
    this.byPair.delete(pairKey);
  }

  /** crossings still waiting, per segment key (totals not included) */
  waitingPerSegment(): Map<number, number> {
    const out = new Map<number, number>();
    for (const b of this.byPair.values()) {
      for (let i = 0; i < b.length; i += ENTRY_FIELDS) {
        const key = b[i]!;
        if (key < TOTAL_KEY_FLAG) out.set(key, (out.get(key) ?? 0) + 1);
      }
    }
    return out;
  }

  private push(pairKey: number, key: number, fromHost: number, toHost: number, rawNs: number, extraUncertaintyNs: number): void {
    let b = this.byPair.get(pairKey);
    if (!b) {
      b = [];
      this.byPair.set(pairKey, b);
    }
    b.push(key, fromHost, toHost, rawNs, extraUncertaintyNs);
    this.waiting++;
  }
}
