import { describe, expect, it } from 'vitest';
import { balancedBlock, balancedOrder } from './balanced-order.js';

describe('balancedOrder (Williams design for the paired rounds)', () => {
  for (const n of [1, 2, 3, 4, 5, 6]) {
    it(`n=${n}: each round a permutation; over a block every position and every predecessor equally often`, () => {
      const rows = Array.from({ length: balancedBlock(n) }, (_, r) => balancedOrder(n, r));
      for (const row of rows) expect([...row].sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
      const perBlock = balancedBlock(n) / n;
      for (let pos = 0; pos < n; pos++) {
        for (let c = 0; c < n; c++) expect(rows.filter((row) => row[pos] === c).length).toBe(perBlock);
      }
      const follows = new Map<string, number>();
      for (const row of rows) for (let i = 1; i < n; i++) follows.set(`${row[i - 1]}>${row[i]}`, (follows.get(`${row[i - 1]}>${row[i]}`) ?? 0) + 1);
      expect(follows.size).toBe(n * (n - 1));
      expect(new Set(follows.values())).toEqual(new Set(n > 1 ? [perBlock] : []));
    });
  }

  it('repeats after a block and rejects a bad n', () => {
    expect(balancedOrder(4, 5)).toEqual(balancedOrder(4, 1));
    expect(() => balancedOrder(0, 0)).toThrow(/positive integer/);
  });
});
