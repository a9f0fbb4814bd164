import { describe, expect, it } from 'vitest';
import { PacketSlotTable, SLOT_DONE, SLOT_FREE, SLOT_PENDING } from './packet-slot-table.js';
import { SlotRing } from './slot-ring.js';

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

  it('starts small and grows its pool, id table and allocation order on demand up to its capacity', () => {
    const capacity = 200_000;
    const t = new PacketSlotTable(32, capacity);
    const startBytes = t.bytes;
    // a fraction of what the capacity would take up front (> 70 MB for 32 positions)
    expect(startBytes).toBeLessThan(capacity * 32 * 8 / 50);
    const n = 50_000;
    const slots: number[] = [];
    for (let i = 0; i < n; i++) {
      expect(t.canAllocate()).toBe(true);
      // ids that share low halves: the rebuilt table must tell them apart by the high half
      slots.push(t.allocate(i >>> 1, i & 1 ? 0xdead : 0, i));
      t.flowHash[slots[i]!] = i;
    }
    expect(t.size).toBeGreaterThanOrEqual(n);
    expect(t.size).toBeLessThan(2 * n);
    expect(t.bytes).toBeGreaterThan(startBytes * 10);
    for (let i = 0; i < n; i++) expect(t.find(i >>> 1, i & 1 ? 0xdead : 0)).toBe(slots[i]);
    expect(t.find(n, 0)).toBe(-1);
    // the allocation order survived every doubling: oldest first, with its times
    for (let i = 0; i < n; i++) {
      expect(t.oldest()).toBe(slots[i]);
      expect(t.oldestAllocatedAtMs()).toBe(i);
      expect(t.flowHash[slots[i]!]).toBe(i);
      t.dropOldest();
      t.release(slots[i]!);
    }
    expect(t.allocated).toBe(0);
    expect(t.pending).toBe(0);
    // it grows no further than its capacity
    const small = new PacketSlotTable(2, 3000);
    for (let i = 0; i < 3000; i++) {
      expect(small.canAllocate()).toBe(true);
      small.allocate(i, 7, i);
    }
    expect(small.size).toBe(3000);
    expect(small.canAllocate()).toBe(false);
    for (let i = 0; i < 3000; i++) expect(small.find(i, 7)).toBeGreaterThanOrEqual(0);
  });
});

describe('SlotRing', () => {
  it('keeps its entries oldest first when it doubles after wrapping around', () => {
    const r = new SlotRing(100_000);
    const start = r.capacity;
    let next = 0;
    let oldest = 0;
    // wrap the head around, then fill past the capacity
    for (let i = 0; i < start - 3; i++) r.push(next++, next);
    for (let i = 0; i < start - 10; i++) {
      expect(r.oldest()).toBe(oldest++);
      r.dropOldest();
    }
    while (r.size < 3 * start) r.push(next++, next);
    expect(r.capacity).toBe(4 * start);
    for (let i = 0; i < r.size; i++) expect(r.at(i)).toBe(oldest + i);
    while (r.size > 0) {
      expect(r.oldest()).toBe(oldest);
      expect(r.oldestAt()).toBe(oldest + 1);
      oldest++;
      r.dropOldest();
    }
    expect(oldest).toBe(next);
  });
});
