import { describe, expect, it } from 'vitest';
import { UsageError } from '@xtrace/proto';
import { parsePairSelector, resolvePairSelector, selectorMatchesPair, validatePairSelector, type InventoryAgent } from './pair-selector.js';
import { slotStart, validateSchedule } from './schedule.js';

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
});
