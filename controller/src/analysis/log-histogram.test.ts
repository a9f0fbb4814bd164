import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../mulberry32.js';
import { LogHistogram, bucketIndex, bucketRange } from './log-histogram.js';

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

describe('LogHistogram', () => {
  it('buckets are contiguous and cover values exactly below 128', () => {
    expect(bucketIndex(0)).toBe(0);
    expect(bucketIndex(127)).toBe(127);
    expect(bucketIndex(128)).toBe(128);
    expect(bucketIndex(255)).toBe(255);
    expect(bucketIndex(256)).toBe(256);
    expect(bucketIndex(257)).toBe(256);
    expect(bucketIndex(258)).toBe(257);
    for (const v of [128, 1000, 65_537, 2 ** 31 + 5, 2 ** 33 + 12345, 7e12]) {
      const { lower, width } = bucketRange(bucketIndex(v));
      expect(v).toBeGreaterThanOrEqual(lower);
      expect(v).toBeLessThan(lower + width);
      expect(width / lower).toBeLessThanOrEqual(1 / 128);
    }
  });

  it('every value lands in the bucket whose range holds it, on both sides of 2^32 and at every power-of-two edge', () => {
    const values: number[] = [];
    for (let k = 7; k < 50; k++) values.push(2 ** k - 1, 2 ** k, 2 ** k + 1, 2 ** k + 0.5, 3 * 2 ** (k - 1) + 7);
    let x = 12345;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 48271) % 2147483647;
      values.push((x / 2147483647) * 2 ** (7 + (i % 40)));
    }
    for (const v of values) {
      const { lower, width } = bucketRange(bucketIndex(v));
      const whole = Math.floor(v);
      if (whole < lower || whole >= lower + width) expect.fail(`${v} in bucket [${lower}, ${lower + width})`);
    }
  });

  it('percentiles within 1% of the exact ones on a heavy-tailed sample', () => {
    const r = mulberry32(42);  // deterministic, so failures reproduce
    const h = new LogHistogram();
    const values: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      // log-normal-ish latencies from ~1 µs to ~100 ms
      const v = Math.round(Math.exp(7 + 3 * r() + 4 * r() * r()));
      values.push(v);
      h.record(v);
    }
    values.sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.95, 0.99, 0.999]) {
      const exact = exactQuantile(values, q);
      const est = h.quantile(q);
      expect(Math.abs(est - exact) / exact).toBeLessThan(0.01);
    }
    expect(h.quantile(1)).toBe(values[values.length - 1]);
    expect(h.min).toBe(values[0]);
    expect(h.count).toBe(100_000);
    expect(h.mean()).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 6);
  });

  it('merges exactly', () => {
    const a = new LogHistogram();
    const b = new LogHistogram();
    const all = new LogHistogram();
    for (let i = 1; i <= 1000; i++) {
      (i % 2 ? a : b).record(i * 1000);
      all.record(i * 1000);
    }
    b.record(5e9); // forces b to grow beyond a
    all.record(5e9);
    a.merge(b);
    for (const q of [0.1, 0.5, 0.9, 0.99]) expect(a.quantile(q)).toBe(all.quantile(q));
    expect(a.count).toBe(1001);
    expect(a.max).toBe(5e9);
    expect(a.quantile(0.5)).toBe(all.quantile(0.5));
  });

  it('exact for small integers', () => {
    const h = new LogHistogram();
    for (const v of [5, 1, 3, 2, 4]) h.record(v);
    expect(h.quantile(0.5)).toBe(3);
    expect(h.quantile(0.2)).toBe(1);
    expect(h.quantile(0.8)).toBe(4);
    expect(new LogHistogram().quantile(0.5)).toBeNaN();
  });

  it('countsAtBounds: coarse buckets, exact on bucket edges, upper bound inclusive below 128', () => {
    const h = new LogHistogram();
    // 1 µs powers of two in ns are bucket edges: 999 below 1000, 1000 and 1003 in the bucket above
    for (const v of [0, 50, 100, 100, 999, 1000, 1003, 1999, 2001, 7e9]) h.record(v);
    const c = h.countsAtBounds([100, 1000, 2000, 4000]);
    expect(c).toEqual([4, 1, 3, 1, 1]);
    expect(c.reduce((a, b) => a + b, 0)).toBe(h.count);
    // a bound inside a wide bucket: the bucket goes where its midpoint is
    const w = new LogHistogram();
    w.record(1_000_000); // bucket [999424, 1003520): midpoint 1001472
    expect(w.countsAtBounds([1_001_000, 1_002_000])).toEqual([0, 1, 0]);
    expect(new LogHistogram().countsAtBounds([1, 2])).toEqual([0, 0, 0]);
  });
});
