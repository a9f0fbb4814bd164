/**
 * Stalls: per flow (flow_hash + direction) per stage, an inter-packet gap above a threshold,
 * as the seed's vm_pair_gap.py meant. A flow's normal pace matters: a 1 s ping is not
 * stalled every second, so a gap is a stall when
 *   gap >= thresholdNs  and  (factor <= 0 or gap >= factor * typical gap)
 * where the typical gap is an EWMA (1/16) of the flow's previous gaps at that stage, and
 * only after `warmup` gaps were seen. Records that go back in time (per-CPU ring buffer
 * interleaving) are ignored. State is bounded: beyond `maxFlows` entries it is reset.
 */
export interface StallConfig {
  thresholdNs: number;
  factor: number;
  warmup: number;
  maxFlows: number;
}

interface StallHit {
  gapNs: number;
  typicalNs: number;
}

export class StallDetector {
  private readonly index = new Map<number, number>();
  private last: Float64Array;
  private ewma: Float64Array;
  private gaps: Uint32Array;
  private used = 0;
  resets = 0;

  constructor(private readonly config: StallConfig) {
    this.last = new Float64Array(1024);
    this.ewma = new Float64Array(1024);
    this.gaps = new Uint32Array(1024);
  }

  /**
   * key: a small integer for (flow, direction, stage) computed by the caller.
   * Returns the stall when this observation ends one, else null.
   */
  observe(key: number, ts: number): StallHit | null {
    let i = this.index.get(key);
    if (i === undefined) {
      if (this.used >= this.config.maxFlows) this.reset();
      i = this.used++;
      if (i >= this.last.length) this.grow();
      this.index.set(key, i);
      this.last[i] = ts;
      this.ewma[i] = 0;
      this.gaps[i] = 0;
      return null;
    }
    const gap = ts - this.last[i]!;
    if (gap <= 0) return null;
    this.last[i] = ts;
    const n = this.gaps[i]!;
    const typical = this.ewma[i]!;
    let hit: StallHit | null = null;
    if (
      n >= this.config.warmup &&
      gap >= this.config.thresholdNs &&
      (this.config.factor <= 0 || gap >= this.config.factor * typical)
    ) {
      hit = { gapNs: gap, typicalNs: typical };
    }
    this.ewma[i] = n === 0 ? gap : typical + (gap - typical) / 16;
    this.gaps[i] = n + 1;
    return hit;
  }

  reset(): void {
    this.index.clear();
    this.used = 0;
    this.resets++;
  }

  private grow(): void {
    const n = this.last.length * 2;
    const last = new Float64Array(n);
    last.set(this.last);
    const ewma = new Float64Array(n);
    ewma.set(this.ewma);
    const gaps = new Uint32Array(n);
    gaps.set(this.gaps);
    this.last = last;
    this.ewma = ewma;
    this.gaps = gaps;
  }
}
