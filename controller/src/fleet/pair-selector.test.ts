import { describe, expect, it } from 'vitest';
import { UsageError } from '@xtrace/proto';
import { parsePairSelector, resolvePairSelector, selectorMatchesPair, validatePairSelector, type InventoryAgent } from './pair-selector.js';
import { slotStart, validateSchedule } from './schedule.js';
import { mulberry32 } from '../mulberry32.js'; // the selector's PRNG, for the reference shuffle

const agents: InventoryAgent[] = [
  { hostId: 'a', labels: { rack: 'r1' }, vms: [{ address: '10.0.0.1', labels: { app: 'web' } }, { address: '10.0.0.2', labels: { app: 'db' } }] },
  { hostId: 'b', labels: { rack: 'r2' }, vms: [{ address: '10.0.1.1', labels: { app: 'web' } }] },
  { hostId: 'c', vms: [{ address: '10.0.2.1', labels: { app: 'web' } }] },
];

describe('pair selectors', () => {
  it('parses the CLI forms', () => {
    expect(parsePairSelector('all-cross-host')).toBe('all-cross-host');
    expect(parsePairSelector('sample:2')).toEqual({ sample: 2 });
    expect(parsePairSelector('labels:app=web,rack=r1')).toEqual({ labels: { app: 'web', rack: 'r1' } });
    expect(parsePairSelector('1.1.1.1,2.2.2.2;3.3.3.3,4.4.4.4')).toEqual({ pairs: [{ src: '1.1.1.1', dst: '2.2.2.2' }, { src: '3.3.3.3', dst: '4.4.4.4' }] });
    expect(() => parsePairSelector('sample:0')).toThrow(UsageError);
  });

  it('validates with field paths', () => {
    const err = (v: unknown) => {
      try {
        validatePairSelector(v, 'sel');
      } catch (e: unknown) {
        return (e as UsageError).field;
      }
      return undefined;
    };
    expect(err({ pairs: [{ src: 'a', dst: 'b' }, { src: 'a' }] })).toBe('sel.pairs[1].dst');
    expect(err({ labels: { app: 3 } })).toBe('sel.labels.app');
    expect(err({ sample: 1.5 })).toBe('sel.sample');
    expect(err({ sample: 1, labels: {} })).toBe('sel');
  });

  it('resolves against the inventory', () => {
    expect(resolvePairSelector('all-cross-host', agents).map((p) => `${p.src}>${p.dst}`)).toEqual([
      '10.0.0.1>10.0.1.1',
      '10.0.0.1>10.0.2.1',
      '10.0.0.2>10.0.1.1',
      '10.0.0.2>10.0.2.1',
      '10.0.1.1>10.0.2.1',
    ]);
    expect(resolvePairSelector({ labels: { app: 'web' } }, agents)).toHaveLength(3);
    expect(resolvePairSelector({ labels: { app: 'web', rack: 'r1' } }, agents)).toHaveLength(0);
    const s1 = resolvePairSelector({ sample: 2 }, agents, 1000);
    expect(s1).toHaveLength(2);
    expect(resolvePairSelector({ sample: 2 }, agents, 1000)).toEqual(s1); // deterministic per seed
    const seen = new Set<string>();
    for (let seed = 0; seed < 50; seed++) for (const p of resolvePairSelector({ sample: 2 }, agents, seed * 60_000)) seen.add(`${p.src}>${p.dst}`);
    expect(seen.size).toBe(5); // rotates over the whole fleet
    expect(resolvePairSelector({ pairs: [{ src: '10.0.0.1', dst: '10.0.2.1' }] }, agents)).toEqual([{ src: '10.0.0.1', dst: '10.0.2.1', srcHost: 'a', dstHost: 'c' }]);
    expect(selectorMatchesPair({ labels: { app: 'web' } }, { src: '10.0.0.1', dst: '10.0.1.1' }, agents)).toBe(true);
    expect(selectorMatchesPair({ labels: { app: 'web' } }, { src: '10.0.0.2', dst: '10.0.1.1' }, agents)).toBe(false);
  });

  it('samples a large fleet without building its pairs, the same K pairs as shuffling the full list would', () => {
    // 1,000 hypervisors with 2 VMs: 1,999,000 cross-host pairs; sample:20 used to copy them all twice
    const fleet: InventoryAgent[] = Array.from({ length: 1000 }, (_, i) => ({ hostId: `h${String(i).padStart(4, '0')}`, vms: [{ address: `10.1.${i >> 8}.${i & 255}` }, { address: `10.2.${i >> 8}.${i & 255}` }] }));
    const t0 = performance.now();
    const s = resolvePairSelector({ sample: 20 }, fleet, 123_000);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(new Set(s.map((p) => `${p.src}>${p.dst}`)).size).toBe(20);
    for (const p of s) expect(p.srcHost).not.toBe(p.dstHost);
    expect(resolvePairSelector({ sample: 20 }, fleet, 123_000)).toEqual(s);
    // on a small fleet: exactly the partial Fisher-Yates over the materialized all-cross-host list
    const uneven: InventoryAgent[] = Array.from({ length: 9 }, (_, i) => ({ hostId: `u${i}`, vms: Array.from({ length: 1 + (i % 3) }, (_, v) => ({ address: `10.${v}.0.${i}` })) }));
    const all = resolvePairSelector('all-cross-host', uneven);
    for (const seed of [0, 1, 60_000, 4_294_967_297]) {
      for (const k of [1, 3, all.length - 1]) {
        const pool = all.slice();
        const rnd = mulberry32(seed % 4294967296);
        for (let i = 0; i < k; i++) {
          const j = i + Math.floor(rnd() * (pool.length - i));
          [pool[i], pool[j]] = [pool[j]!, pool[i]!];
        }
        expect(resolvePairSelector({ sample: k }, uneven, seed)).toEqual(pool.slice(0, k));
      }
    }
  });
});

describe('durations and schedules', () => {
  it('validates schedules field by field and computes slots from the creation time', () => {
    const ok = { name: 'n', every: '1m', duration: '10s', pairs: 'all-cross-host', paused: false, createdAt: 1000 };
    expect(validateSchedule(ok)).toMatchObject({ everyMs: 60_000, durationMs: 10_000 });
    const field = (patch: object) => {
      try {
        validateSchedule({ ...ok, ...patch });
      } catch (e: unknown) {
        return (e as UsageError).field;
      }
      return undefined;
    };
    expect(field({ name: 'a.b' })).toBe('schedule.name');
    expect(field({ every: '500ms' })).toBe('schedule.every');
    expect(field({ duration: '2m' })).toBe('schedule.duration');
    expect(field({ proto: 'sctp' })).toBe('schedule.proto');
    expect(field({ pairs: { sample: -1 } })).toBe('schedule.pairs.sample');
    expect(slotStart(1000, 500, 400)).toBeUndefined();
    expect(slotStart(1000, 500, 500)).toBe(500);
    expect(slotStart(1000, 500, 2499)).toBe(1500);
  });

  it('explicit pairs may name VMs: a name on one host gets that host; an ambiguous or unknown name none (the probe start says why)', () => {
    const named: InventoryAgent[] = [
      { hostId: 'a', vms: [{ address: '10.0.0.1', name: 'web-01' }, { address: '10.0.0.2', name: 'dup' }] },
      { hostId: 'b', vms: [{ address: '10.0.1.1', name: 'db-02' }, { address: '10.0.1.2', name: 'dup' }] },
    ];
    expect(resolvePairSelector({ pairs: [{ src: 'web-01', dst: 'db-02' }, { src: 'dup', dst: 'nope' }] }, named)).toEqual([
      { src: 'web-01', dst: 'db-02', srcHost: 'a', dstHost: 'b' },
      { src: 'dup', dst: 'nope' },
    ]);
    const sel = parsePairSelector('web-01,db-02');
    expect(selectorMatchesPair(sel, { src: '10.0.0.1', dst: '10.0.1.1', srcVm: 'web-01', dstVm: 'db-02' })).toBe(true);
    expect(selectorMatchesPair(sel, { src: '10.0.1.1', dst: '10.0.0.1', srcVm: 'db-02', dstVm: 'web-01' })).toBe(true);
    expect(selectorMatchesPair(sel, { src: '10.0.0.1', dst: '10.0.1.1' })).toBe(false);
  });
});
