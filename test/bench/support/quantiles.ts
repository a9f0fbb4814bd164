/** Order statistics of a benchmark's per-round samples. */

/** The q-quantile (0..1) of xs, linearly interpolated between the closest ranks (NaN for none). */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((x, y) => x - y);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

/**
 * A distribution-free confidence interval for the median: the k-th smallest and k-th largest
 * sample, k the largest rank whose binomial(n, 1/2) tail leaves at least `confidence` between
 * them. Assumes only independent rounds. NaN bounds (and confidence 0) for fewer than 6 samples,
 * which cannot give 95 %. For 8 rounds it is the 1st..8th sample (99.2 %), for 12 the 3rd..10th
 * (96.1 %), for 16 the 4th..13th (97.9 %).
 */
export function medianInterval(xs: readonly number[], confidence = 0.95): { lo: number; hi: number; confidence: number } {
  const n = xs.length;
  const s = [...xs].sort((x, y) => x - y);
  // tail(k) = P(Binomial(n, 1/2) <= k - 1): the chance the median lies below the k-th smallest
  let term = 0.5 ** n;
  let tail = 0;
  let best = 0;
  let bestCoverage = 0;
  for (let k = 1; k <= Math.floor(n / 2); k++) {
    tail += term; // P(B = k - 1)
    term *= (n - (k - 1)) / k;
    const coverage = 1 - 2 * tail;
    if (coverage < confidence) break;
    best = k;
    bestCoverage = coverage;
  }
  if (best === 0) return { lo: NaN, hi: NaN, confidence: 0 };
  return { lo: s[best - 1]!, hi: s[n - best]!, confidence: bestCoverage };
}

export interface Spread {
  median: number;
  p25: number;
  p75: number;
  min: number;
  max: number;
  /** the median's 95 % confidence interval (medianInterval) */
  ciLo: number;
  ciHi: number;
}

export function spread(xs: readonly number[]): Spread {
  const ci = medianInterval(xs);
  return { median: median(xs), p25: quantile(xs, 0.25), p75: quantile(xs, 0.75), min: Math.min(...xs), max: Math.max(...xs), ciLo: ci.lo, ciHi: ci.hi };
}
