/**
 * NTP-style clock offset between two hosts' CLOCK_MONOTONIC, from request/reply pairs seen
 * on both hosts. For a request X->Y and its reply Y->X with
 *   t1 = request leaves X (X's clock)   t2 = request reaches Y (Y's clock)
 *   t3 = reply leaves Y (Y's clock)     t4 = reply reaches X (X's clock)
 * offset(Y - X) = ((t2 - t1) + (t3 - t4)) / 2 and delay = (t4 - t1) - (t3 - t2).
 * The true offset lies within offset ± delay/2 whatever the split of the delay between
 * the two directions; with a symmetric wire it is exact. An asymmetric path (one way d1,
 * the other d2) biases the estimate by (d1 - d2)/2, which is inherent to the method and
 * is covered by the delay/2 bound.
 *
 * Estimate: over a sliding window of the latest `window` samples, take the lowest-delay
 * decile (queueing only adds delay, so the fastest exchanges are the most symmetric), and
 * report the mean of their offsets. Uncertainty = min delay / 2 (asymmetry bound) + half the
 * spread of the chosen offsets (jitter and drift within the window).
 */
interface OffsetSample {
  offsetNs: number;
  delayNs: number;
}

interface OffsetEstimate {
  /** clock of Y minus clock of X, ns (in whatever time base the samples used) */
  offsetNs: number;
  uncertaintyNs: number;
  minDelayNs: number;
  /** samples in the window */
  samples: number;
  /** samples ever added */
  totalSamples: number;
}

/** offset and delay of one exchange; t1,t4 on X, t2,t3 on Y */
export function ntpSample(t1: number, t2: number, t3: number, t4: number): OffsetSample {
  return { offsetNs: (t2 - t1 + (t3 - t4)) / 2, delayNs: t4 - t1 - (t3 - t2) };
}

export class ClockOffsetEstimator {
  private readonly offsets: Float64Array;
  private readonly delays: Float64Array;
  private next = 0;
  private size = 0;
  private total = 0;
  private sinceCompute = 0;
  private cached: OffsetEstimate | null = null;
  /** compute()'s scratch: the lowest-delay decile, ascending */
  private readonly lowDelays: Float64Array;
  private readonly lowOffsets: Float64Array;

  constructor(private readonly window = 256) {
    this.offsets = new Float64Array(window);
    this.delays = new Float64Array(window);
    const lowest = Math.max(1, Math.ceil(window / 10));
    this.lowDelays = new Float64Array(lowest);
    this.lowOffsets = new Float64Array(lowest);
  }

  add(offsetNs: number, delayNs: number): void {
    if (!Number.isFinite(offsetNs) || !Number.isFinite(delayNs) || delayNs < 0) return;
    this.offsets[this.next] = offsetNs;
    this.delays[this.next] = delayNs;
    this.next = (this.next + 1) % this.window;
    if (this.size < this.window) this.size++;
    this.total++;
    this.sinceCompute++;
  }

  addExchange(t1: number, t2: number, t3: number, t4: number): void {
    const s = ntpSample(t1, t2, t3, t4);
    this.add(s.offsetNs, s.delayNs);
  }

  get totalSamples(): number {
    return this.total;
  }

  /** Current estimate; null before the first sample. Recomputed at most every 16 samples once warm. */
  estimate(): OffsetEstimate | null {
    if (this.size === 0) return null;
    if (this.cached && (this.sinceCompute === 0 || (this.size >= 64 && this.sinceCompute < 16))) {
      return this.cached;
    }
    this.cached = this.compute();
    this.sinceCompute = 0;
    return this.cached;
  }

  private compute(): OffsetEstimate {
    const n = this.size;
    const k = Math.max(1, Math.ceil(n / 10));
    const d = this.delays;
    const o = this.offsets;
    const bestD = this.lowDelays;
    const bestO = this.lowOffsets;
    // the k lowest delays, ascending, by insertion (k <= window / 10: cheaper than sorting the
    // window, which took a fifth of the matcher's time); ties keep the earlier sample first
    let m = 0;
    for (let i = 0; i < n; i++) {
      const di = d[i]!;
      if (m === k && di >= bestD[k - 1]!) continue;
      let j = m < k ? m++ : k - 1;
      while (j > 0 && bestD[j - 1]! > di) {
        bestD[j] = bestD[j - 1]!;
        bestO[j] = bestO[j - 1]!;
        j--;
      }
      bestD[j] = di;
      bestO[j] = o[i]!;
    }
    let sum = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < k; i++) {
      const v = bestO[i]!;
      sum += v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const minDelay = bestD[0]!;
    return {
      offsetNs: sum / k,
      uncertaintyNs: minDelay / 2 + (hi - lo) / 2,
      minDelayNs: minDelay,
      samples: n,
      totalSamples: this.total,
    };
  }
}
