/** count/min/p50/p90/p99/max/mean of samples (nearest-rank percentiles, like the relay). */
export interface Summary {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(samples: readonly number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const n = s.length;
  const pct = (p: number): number => (n === 0 ? 0 : (s[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))] ?? 0));
  return {
    count: n,
    min: n ? (s[0] ?? 0) : 0,
    p50: pct(0.5),
    p90: pct(0.9),
    p99: pct(0.99),
    max: n ? (s[n - 1] ?? 0) : 0,
    mean: n ? s.reduce((a, b) => a + b, 0) / n : 0,
  };
}
