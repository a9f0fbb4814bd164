import { describe, expect, it } from 'vitest';
import { ClockOffsetEstimator, ntpSample } from './clock-offset.js';

describe('clock offset', () => {
  it('NTP sample is exact on a symmetric path', () => {
    // Y = X + 20 ms; 100 µs each way; 1 ms turnaround on Y
    const off = 20_000_000;
    const t1 = 1_000_000;
    const t2 = t1 + 100_000 + off;
    const t3 = t2 + 1_000_000;
    const t4 = t3 - off + 100_000;
    expect(ntpSample(t1, t2, t3, t4)).toEqual({ offsetNs: off, delayNs: 200_000 });
  });

  it('asymmetric path biases by half the asymmetry, within the uncertainty', () => {
    const e = new ClockOffsetEstimator(64);
    const off = -20_000_000;
    for (let i = 0; i < 10; i++) {
      const t1 = i * 1e6;
      const t2 = t1 + 300_000 + off; // 300 µs there
      const t3 = t2 + 50_000;
      const t4 = t3 - off + 100_000; // 100 µs back
      e.addExchange(t1, t2, t3, t4);
    }
    const est = e.estimate()!;
    expect(est.offsetNs).toBe(off + 100_000);
    expect(est.minDelayNs).toBe(400_000);
    expect(est.uncertaintyNs).toBe(200_000);
    expect(Math.abs(est.offsetNs - off)).toBeLessThanOrEqual(est.uncertaintyNs);
  });

  it('keeps the lowest-delay decile: queueing spikes do not move the estimate', () => {
    const e = new ClockOffsetEstimator(100);
    const off = 5_000_000;
    for (let i = 0; i < 100; i++) {
      const queue = i % 10 === 0 ? 0 : 1_000_000 + i * 1000; // 10 clean exchanges
      const t1 = i * 1e7;
      const t2 = t1 + 50_000 + queue + off; // queueing on the way there only
      const t3 = t2 + 10_000;
      const t4 = t3 - off + 50_000;
      e.addExchange(t1, t2, t3, t4);
    }
    const est = e.estimate()!;
    expect(est.offsetNs).toBe(off);
    expect(est.samples).toBe(100);
    expect(est.uncertaintyNs).toBe(50_000);
  });

  it('takes the lowest-delay decile of the window, ties to the earlier sample, as sorting the window would', () => {
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (const [window, count] of [[256, 1000], [256, 40], [10, 3], [64, 64]] as const) {
      const e = new ClockOffsetEstimator(window);
      const kept: [number, number][] = [];
      for (let i = 0; i < count; i++) {
        const delay = rand(50) * 1000; // many ties
        const offset = rand(1_000_000) - 500_000;
        e.add(offset, delay);
        kept[i % window] = [offset, delay];
      }
      // the reference: every sample of the window (storage order), stably sorted by delay
      const byDelay = kept.map(([o, d], i) => ({ o, d, i })).sort((a, b) => a.d - b.d || a.i - b.i);
      const low = byDelay.slice(0, Math.max(1, Math.ceil(byDelay.length / 10)));
      const offs = low.map((x) => x.o);
      const est = e.estimate()!;
      expect(est.offsetNs).toBeCloseTo(offs.reduce((a, b) => a + b, 0) / offs.length, 6);
      expect(est.minDelayNs).toBe(low[0]!.d);
      expect(est.uncertaintyNs).toBeCloseTo(low[0]!.d / 2 + (Math.max(...offs) - Math.min(...offs)) / 2, 6);
    }
  });

  it('null before samples; ignores negative delay', () => {
    const e = new ClockOffsetEstimator();
    expect(e.estimate()).toBeNull();
    e.add(1, -5);
    expect(e.estimate()).toBeNull();
  });
});
