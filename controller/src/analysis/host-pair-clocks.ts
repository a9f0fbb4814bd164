/**
 * Clock offsets between the hosts of a path, per host pair: NTP-style samples from each
 * request/reply exchange, one per crossing of the request's path, into a ClockOffsetEstimator
 * per pair (clock-offset.ts); a wall-clock hint offset as the fallback where no exchange gave
 * one. Offsets are between the hosts' relative time bases (host-sequence-state.ts), as the
 * matcher keeps timestamps; reports add the bases back.
 *
 * A host pair is keyed lowHost * hostCount + highHost.
 */
import type { ClockReport } from '@xtrace/proto';
import { ClockOffsetEstimator } from './clock-offset.js';
import type { HostSequenceState } from './host-sequence-state.js';
import type { ExchangePacket } from './request-reply-pairing.js';

/** An offset to take out of a wire crossing: clock of the second host minus the first's, ns. */
export interface ClockCorrection {
  offsetNs: number;
  uncertaintyNs: number;
}

export class HostPairClocks {
  private readonly estimators = new Map<number, ClockOffsetEstimator>();
  private readonly hostCount: number;

  constructor(
    private readonly hosts: readonly HostSequenceState[],
    private readonly hostNames: readonly string[],
    private readonly window: number,
    private readonly hintUncertaintyNs: number,
  ) {
    this.hostCount = hosts.length;
  }

  pairKey(a: number, b: number): number {
    return a < b ? a * this.hostCount + b : b * this.hostCount + a;
  }

  /** the lower host of a pair key */
  lowHostOf(pairKey: number): number {
    return Math.floor(pairKey / this.hostCount);
  }

  /** the higher host of a pair key */
  highHostOf(pairKey: number): number {
    return pairKey % this.hostCount;
  }

  /**
   * The NTP sample of an exchange at the crossing x -> y of the request's path (request leaves
   * x, reaches y; the reply back). Returns the pair key, or -1 when a time is missing.
   */
  addCrossing(req: ExchangePacket, rep: ExchangePacket, x: number, y: number): number {
    const t1 = req.last[x]!;
    const t2 = req.first[y]!;
    const t3 = rep.last[y]!;
    const t4 = rep.first[x]!;
    if (!(t1 === t1 && t2 === t2 && t3 === t3 && t4 === t4)) return -1;
    const offsetYX = (t2 - t1 + (t3 - t4)) / 2;
    const delay = t4 - t1 - (t3 - t2);
    const key = this.pairKey(x, y);
    let est = this.estimators.get(key);
    if (!est) {
      est = new ClockOffsetEstimator(this.window);
      this.estimators.set(key, est);
    }
    est.add(x < y ? offsetYX : -offsetYX, delay);
    return key;
  }

  /** offset of b's clock minus a's from exchanges, or null */
  offset(a: number, b: number): ClockCorrection | null {
    const est = this.estimators.get(this.pairKey(a, b))?.estimate();
    if (!est) return null;
    return { offsetNs: a < b ? est.offsetNs : -est.offsetNs, uncertaintyNs: est.uncertaintyNs };
  }

  /** wall-clock hint offset of b minus a, or null */
  hintOffset(a: number, b: number): ClockCorrection | null {
    const A = this.hosts[a]!;
    const B = this.hosts[b]!;
    if (A.wallClockHintNs === null || B.wallClockHintNs === null || !A.hasTimeBase || !B.hasTimeBase) return null;
    // mono = real - hint  ->  monoB - monoA = hintA - hintB (absolute); relative: minus (baseB - baseA)
    const abs = A.wallClockHintNs - B.wallClockHintNs;
    return { offsetNs: Number(abs - (B.timeBaseNs - A.timeBaseNs)), uncertaintyNs: this.hintUncertaintyNs };
  }

  /** The host rebooted: its offsets are re-learned. */
  forgetHost(h: number): void {
    for (const key of [...this.estimators.keys()]) {
      if (Math.floor(key / this.hostCount) === h || key % this.hostCount === h) this.estimators.delete(key);
    }
  }

  /** Current estimates, absolute (CLOCK_MONOTONIC of the later host of the path minus the earlier one). */
  reports(): ClockReport[] {
    const out: ClockReport[] = [];
    const H = this.hostCount;
    for (let a = 0; a < H; a++) {
      for (let b = a + 1; b < H; b++) {
        const est = this.estimators.get(a * H + b)?.estimate() ?? null;
        const base = Number(this.hosts[b]!.timeBaseNs - this.hosts[a]!.timeBaseNs);
        const hosts: [string, string] = [this.hostNames[a]!, this.hostNames[b]!];
        if (est) {
          out.push({
            hosts,
            offset_us: Math.round(est.offsetNs + base) / 1000,
            uncertainty_us: Math.round(est.uncertaintyNs) / 1000,
            samples: est.samples,
            min_delay_us: Math.round(est.minDelayNs) / 1000,
            source: 'pairs',
          });
          continue;
        }
        const hint = this.hintOffset(a, b);
        if (hint) {
          out.push({
            hosts,
            offset_us: Math.round(hint.offsetNs + base) / 1000,
            uncertainty_us: Math.round(hint.uncertaintyNs) / 1000,
            samples: 0,
            min_delay_us: null,
            source: 'hint',
          });
        }
      }
    }
    return out;
  }
}
