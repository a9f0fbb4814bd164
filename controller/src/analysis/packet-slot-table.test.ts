import { describe, expect, it } from 'vitest';
import { PacketSlotTable, SLOT_DONE, SLOT_FREE, SLOT_PENDING } from './packet-slot-table.js';

describe('PacketSlotTable', () => {
  it('finds every id through collisions and deletions, and keeps the allocation order', () => {
    const t = new PacketSlotTable(3, 64);
    const ids: [number, number][] = Array.from({ length: 64 }, (_, i) => [i * 0x10000, i % 3]);
    const slotOf = new Map<number, number>();
    ids.forEach(([lo, hi], i) => {
      expect(t.find(lo, hi)).toBe(-1);
      expect(t.canAllocate()).toBe(true);
      slotOf.set(i, t.allocate(lo, hi, i));
    });
    expect(t.canAllocate()).toBe(false);
    expect(t.pending).toBe(64);
    expect(new Set(slotOf.values()).size).toBe(64);
    ids.forEach(([lo, hi], i) => expect(t.find(lo, hi)).toBe(slotOf.get(i)));
    // the oldest half ends and is freed; the rest are still found
    for (let i = 0; i < 32; i++) {
      const slot = t.oldest();
      expect(slot).toBe(slotOf.get(i));
      expect(t.oldestAllocatedAtMs()).toBe(i);
      t.dropOldest();
      if (i % 2) t.markDone(slot);
      expect(t.state[slot]).toBe(i % 2 ? SLOT_DONE : SLOT_PENDING);
      t.release(slot);
      expect(t.state[slot]).toBe(SLOT_FREE);
    }
    expect(t.pending).toBe(32);
    expect(t.allocated).toBe(32);
    ids.forEach(([lo, hi], i) => expect(t.find(lo, hi)).toBe(i < 32 ? -1 : slotOf.get(i)));
    expect(t.canAllocate()).toBe(true);
  });

  it('grows its pool keeping every packet\'s fields, and a freed slot comes back without times', () => {
    const t = new PacketSlotTable(2, 10_000);
    const first = t.allocate(1, 1, 0);
    t.times[first * 2 + 1] = 42;
    t.flowHash[first] = 7;
    for (let i = 2; i <= 5000; i++) {
      expect(t.canAllocate()).toBe(true);
      t.allocate(i, 0, 0);
    }
    expect(t.size).toBeGreaterThanOrEqual(5000);
    expect(t.times[first * 2 + 1]).toBe(42);
    expect(t.flowHash[first]).toBe(7);
    t.dropOldest();
    t.release(first);
    const again = t.allocate(9, 9, 1);
    expect(again).toBe(first);
    expect(Number.isNaN(t.times[again * 2 + 1]!)).toBe(true);
  });
});
