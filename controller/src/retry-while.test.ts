import { describe, expect, it } from 'vitest';
import { retryWhile } from './retry-while.js';

describe('retryWhile', () => {
  it('tries again while the error is retriable, doubling the pause up to its cap; other errors end it at once', async () => {
    const at: number[] = [];
    const r = await retryWhile(
      (e) => e === 'busy',
      async () => {
        at.push(Date.now());
        if (at.length < 4) throw 'busy';
        return 'done';
      },
      { forMs: 10_000, firstWaitMs: 20, maxWaitMs: 40 },
    );
    expect(r).toBe('done');
    const pauses = at.slice(1).map((t, i) => t - at[i]!);
    // 20, 40, 40 ms (timers are never early; a busy machine makes them later)
    expect(pauses[0]).toBeGreaterThanOrEqual(19);
    expect(pauses[1]).toBeGreaterThanOrEqual(39);
    expect(pauses[2]).toBeGreaterThanOrEqual(39);

    let calls = 0;
    await expect(retryWhile((e) => e === 'busy', async () => { calls++; throw 'broken'; }, { forMs: 10_000, firstWaitMs: 20 })).rejects.toBe('broken');
    expect(calls).toBe(1);
  });

  it('gives up with the last error once the next pause would pass the window, and hands each attempt the deadline', async () => {
    const deadlines = new Set<number>();
    let calls = 0;
    const t0 = Date.now();
    await expect(retryWhile(() => true, async (giveUpAt) => { deadlines.add(giveUpAt); throw new Error(`busy ${++calls}`); }, { forMs: 200, firstWaitMs: 50 })).rejects.toThrow(`busy`);
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(calls).toBeLessThanOrEqual(4);
    expect(deadlines.size).toBe(1);
    expect([...deadlines][0]! - t0).toBeGreaterThanOrEqual(200);
  });
});
