/**
 * A fixed-capacity FIFO of packet slots with the controller time each was queued at: the
 * matcher's allocation order (expiry and eviction take the oldest) and its complete packets
 * waiting for optional stages (packet-slot-table.ts, path-matcher.ts). Typed arrays, no
 * allocation once built.
 */
export class SlotRing {
  private readonly slots: Int32Array;
  private readonly queuedAt: Float64Array;
  private head = 0;
  /** entries queued */
  size = 0;

  constructor(readonly capacity: number) {
    this.slots = new Int32Array(capacity);
    this.queuedAt = new Float64Array(capacity);
  }

  /** The caller keeps size < capacity (a slot is queued at most once per life). */
  push(slot: number, atMs: number): void {
    const i = (this.head + this.size) % this.capacity;
    this.slots[i] = slot;
    this.queuedAt[i] = atMs;
    this.size++;
  }

  /** the oldest slot; size > 0 */
  oldest(): number {
    return this.slots[this.head]!;
  }

  /** when the oldest slot was queued; size > 0 */
  oldestAt(): number {
    return this.queuedAt[this.head]!;
  }

  /** the i-th slot from the oldest (0 <= i < size) */
  at(i: number): number {
    return this.slots[(this.head + i) % this.capacity]!;
  }

  dropOldest(): void {
    this.head = (this.head + 1) % this.capacity;
    this.size--;
  }
}
