/**
 * When a packet that has every expected stage is finalized. At once, normally; but
 *  - while its direction's expected set is still settling (it grew less than settleMs ago,
 *    or does not span the path yet) complete packets wait, and are finalized together,
 *    oldest first, once it settles;
 *  - once its direction has optional stages, a packet lacking one of the late ones (kvm_irq,
 *    written after its last expected record, maybe in a later batch) waits for it up to
 *    optionalGraceMs (expected-path.ts).
 */
import type { ExpectedPath } from './expected-path.js';
import { END_COMPLETE, type PacketFinalizer } from './packet-finalizer.js';
import { SLOT_PENDING, type PacketSlotTable } from './packet-slot-table.js';
import { SlotRing } from './slot-ring.js';

export class PacketCompletion {
  /** complete packets waiting optionalGraceMs for optional records, in completion order */
  private readonly waitingForOptional: SlotRing;

  constructor(
    private readonly slots: PacketSlotTable,
    private readonly paths: readonly [ExpectedPath, ExpectedPath],
    private readonly finalizer: PacketFinalizer,
    private readonly optionalGraceMs: number,
  ) {
    this.waitingForOptional = new SlotRing(slots.capacity);
  }

  /** The packet has every expected stage (and its direction's expected set has settled). */
  complete(slot: number, nowMs: number): void {
    const slots = this.slots;
    const path = this.paths[slots.direction[slot]!]!;
    if (!path.optionalSeen || this.optionalGraceMs <= 0 || path.hasLatePositions(slots.times, slot * slots.width)) {
      this.finalizer.finalize(slot, END_COMPLETE);
      return;
    }
    if (slots.completedAtMs[slot] === slots.completedAtMs[slot]) return; // already waiting
    slots.completedAtMs[slot] = nowMs;
    this.waitingForOptional.push(slot, nowMs);
  }

  /** A record of an optional stage came for a pending packet: if it completed and now has the late stages, it waited long enough. */
  optionalRecord(slot: number, path: ExpectedPath): void {
    const slots = this.slots;
    const waiting = slots.completedAtMs[slot] === slots.completedAtMs[slot];
    if (waiting && path.hasLatePositions(slots.times, slot * slots.width)) this.finalizer.finalize(slot, END_COMPLETE);
  }

  /** Finalizes complete packets whose grace ran out by nowMs (Infinity: all). */
  finalizeGraced(nowMs: number): void {
    const limit = nowMs - this.optionalGraceMs;
    const queue = this.waitingForOptional;
    const slots = this.slots;
    while (queue.size > 0) {
      const slot = queue.oldest();
      const at = queue.oldestAt();
      // a slot finalized otherwise (expired, evicted) and reused since is not this entry's
      const current = slots.completedAtMs[slot] === at && slots.state[slot] === SLOT_PENDING;
      if (current && at > limit) break;
      queue.dropOldest();
      if (current) this.finalizer.finalize(slot, END_COMPLETE);
    }
  }

  /**
   * Each direction whose expected set settled since its last sweep: its packets that completed
   * while it was settling waited for it; finalize them now, oldest first over both directions,
   * so packets reach statistics and request/reply pairing in the order they were created
   * (later ones finalize on completion).
   */
  finalizeSettled(nowMs: number, settleMs: number): void {
    const [forwardPath, reversePath] = this.paths;
    const forward = forwardPath.needsSweep(nowMs, settleMs);
    const reverse = reversePath.needsSweep(nowMs, settleMs);
    if (!forward && !reverse) return;
    if (forward) forwardPath.sweptAtGrowth = forwardPath.grewAtMs;
    if (reverse) reversePath.sweptAtGrowth = reversePath.grewAtMs;
    const slots = this.slots;
    for (let i = 0; i < slots.allocated; i++) {
      const slot = slots.allocatedAt(i);
      if (slots.state[slot] !== SLOT_PENDING) continue;
      const d = slots.direction[slot]!;
      if ((d === 0 ? forward : reverse) && slots.expectedRecords[slot] === this.paths[d]!.count) this.complete(slot, nowMs);
    }
  }
}
