import { describe, expect, it } from 'vitest';
import { medianInterval, spread } from './quantiles.js';

const rounds = (n: number): number[] => Array.from({ length: n }, (_, i) => n - i); // n..1, unsorted

describe('medianInterval (order-statistic confidence interval of the median)', () => {
  it('takes the ranks whose binomial coverage is at least 95 %', () => {
    expect(medianInterval(rounds(8))).toEqual({ lo: 1, hi: 8, confidence: 1 - 2 / 256 });
    const twelve = medianInterval(rounds(12));
    expect([twelve.lo, twelve.hi]).toEqual([3, 10]);
    expect(twelve.confidence).toBeCloseTo(0.9614, 4);
    const sixteen = medianInterval(rounds(16));
    expect([sixteen.lo, sixteen.hi]).toEqual([4, 13]);
    expect(sixteen.confidence).toBeCloseTo(0.9787, 4);
  });

  it('gives no interval for too few rounds, and spread carries it', () => {
    expect(medianInterval(rounds(5)).confidence).toBe(0);
    expect(Number.isNaN(medianInterval(rounds(5)).lo)).toBe(true);
    const s = spread(rounds(12));
    expect([s.ciLo, s.ciHi, s.median]).toEqual([3, 10, 6.5]);
  });
});
