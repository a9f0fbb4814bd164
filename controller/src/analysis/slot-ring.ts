/**
 * A FIFO of packet slots with the controller time each was queued at: the matcher's
 * allocation order (expiry and eviction take the oldest) and its complete packets waiting for
 * optional stages (packet-slot-table.ts, packet-completion.ts). Typed arrays that start small
 * and double when full (a matcher with few packets in flight holds little): no allocation but
 * the doublings.
 */
const INITIAL_CAPACITY = 1024;

export class SlotRing {
  private slots: Int32Array;
  private queuedAt: Float64Array;
  /** capacity - 1; the capacity is a power of two */
  private mask: number;
  private head = 0;
  /** entries queued */
  size = 0;

  /** @param maxSize the most entries the caller ever queues (a slot is queued at most once per life) */
  constructor(readonly maxSize: number) {
    let capacity = 16;
    while (capacity < Math.min(maxSize, INITIAL_CAPACITY)) capacity *= 2;
    this.slots = new Int32Array(capacity);
    this.queuedAt = new Float64Array(capacity);
    this.mask = capacity - 1;
  }

  /** entries it can hold before it doubles */
  get capacity(): number {
    return this.slots.length;
  }

  push(slot: number, atMs: number): void {
    if (this.size === this.slots.length) this.grow();
    const i = (this.head + this.size) & this.mask;
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
    return this.slots[(this.head + i) & this.mask]!;
  }

  dropOldest(): void {
    this.head = (this.head + 1) & this.mask;
    this.size--;
  }

  /** Twice the room, the entries oldest first from index 0. */
  private grow(): void {
    const capacity = this.slots.length * 2;
    const slots = new Int32Array(capacity);
    const queuedAt = new Float64Array(capacity);
    for (let i = 0; i < this.size; i++) {
      const from = (this.head + i) & this.mask;
      slots[i] = this.slots[from]!;
      queuedAt[i] = this.queuedAt[from]!;
    }
    this.slots = slots;
    this.queuedAt = queuedAt;
    this.mask = capacity - 1;
    this.head = 0;
  }
}
