/**
 * The matcher's packet state without an object per packet: a pool of slots held as one typed
 * array per field (struct of arrays), an open-addressing hash table from the 64-bit packet id
 * (two 32-bit halves) to its slot, and the slots in allocation order (expiry and eviction take
 * the oldest). A finalized packet keeps its slot (state DONE, a tombstone) until it is
 * released, so that late records of it are recognized.
 *
 * The pool starts small and doubles up to `capacity` slots, and the id table and the
 * allocation order grow with it (a probe with few packets in flight holds a few hundred KB, not
 * what `capacity` would take: ~10 MB at the default 200,000); the table has at least twice as
 * many entries as the pool has slots, so linear probing stays short. Deletion shifts entries
 * back (no tombstone entries in the table).
 */
import { SlotRing } from './slot-ring.js';

/** slots of a new table's pool: with its id table and allocation order ~0.2 MB at 16 positions per packet, ~0.35 MB at 32 */
const INITIAL_SLOTS = 1024;

export const SLOT_FREE = 0;
export const SLOT_PENDING = 1;
export const SLOT_DONE = 2;

export class PacketSlotTable {
  /** slots allocated so far (the pool grows up to `capacity`) */
  size = 0;
  /** packets allocated and not yet finalized */
  pending = 0;

  // ---- per slot (index = slot); `times` has `width` entries per slot ----
  /** ns since the record's host's time base, per position; NaN: no record there yet */
  times = new Float64Array(0);
  /** SLOT_FREE, SLOT_PENDING or SLOT_DONE */
  state = new Uint8Array(0);
  /** 0 forward, 1 reverse */
  direction = new Uint8Array(0);
  /** records at positions of the direction's expected set (optional stages not counted) */
  expectedRecords = new Uint16Array(0);
  /** controller ms when the packet completed and began waiting for optional records; NaN: not waiting */
  completedAtMs = new Float64Array(0);
  proto = new Uint8Array(0);
  sport = new Uint16Array(0);
  dport = new Uint16Array(0);
  flowHash = new Int32Array(0);
  seqNo = new Uint32Array(0);
  /** 1 once a DROP record came; its reason, host index and location (two 32-bit halves) */
  hasDrop = new Uint8Array(0);
  dropReason = new Uint32Array(0);
  dropHost = new Int16Array(0);
  dropLocationHigh = new Uint32Array(0);
  dropLocationLow = new Uint32Array(0);
  /** the slot's entry in the id table */
  private entryOfSlot = new Int32Array(0);

  // ---- free slots (a stack, lowest index on top) and allocation order ----
  private freeSlots = new Int32Array(0);
  private freeCount = 0;
  private readonly allocationOrder: SlotRing;

  // ---- id table: entry -> (id halves, slot), linear probing; rebuilt larger as the pool grows ----
  private entryMask = 0;
  private hashShift = 32;
  private entryIdLow = new Uint32Array(0);
  private entryIdHigh = new Uint32Array(0);
  /** -1: empty entry */
  private entrySlot = new Int32Array(0);

  /**
   * @param width positions per packet (PathModel.width)
   * @param capacity most slots (pending packets + tombstones)
   */
  constructor(
    readonly width: number,
    readonly capacity: number,
  ) {
    this.allocationOrder = new SlotRing(capacity);
    this.grow(Math.min(capacity, INITIAL_SLOTS));
  }

  /** The slot of a packet id (pending or tombstone), or -1. */
  find(idLow: number, idHigh: number): number {
    const mask = this.entryMask;
    let i = this.homeEntry(idLow, idHigh);
    for (;;) {
      const s = this.entrySlot[i]!;
      if (s < 0) return -1;
      if (this.entryIdLow[i] === idLow && this.entryIdHigh[i] === idHigh) return s;
      i = (i + 1) & mask;
    }
  }

  /** A slot is free, or the pool could grow into one (else the caller evicts the oldest first). */
  canAllocate(): boolean {
    if (this.freeCount > 0) return true;
    if (this.size >= this.capacity) return false;
    this.grow(Math.min(this.capacity, this.size * 2));
    return true;
  }

  /** A pending packet for the id (canAllocate() was true); its fields from the first record are the caller's. */
  allocate(idLow: number, idHigh: number, nowMs: number): number {
    const slot = this.freeSlots[--this.freeCount]!;
    this.insertEntry(idLow, idHigh, slot);
    this.state[slot] = SLOT_PENDING;
    this.expectedRecords[slot] = 0;
    this.completedAtMs[slot] = NaN;
    this.hasDrop[slot] = 0;
    this.pending++;
    this.allocationOrder.push(slot, nowMs);
    return slot;
  }

  /** The packet is finalized: its slot stays as a tombstone until released. */
  markDone(slot: number): void {
    this.state[slot] = SLOT_DONE;
    this.completedAtMs[slot] = NaN;
    this.pending--;
  }

  /** Slots in allocation order (pending or tombstones), oldest first. */
  get allocated(): number {
    return this.allocationOrder.size;
  }

  /** the oldest allocated slot; allocated > 0 */
  oldest(): number {
    return this.allocationOrder.oldest();
  }

  /** when the oldest allocated slot was allocated (controller ms); allocated > 0 */
  oldestAllocatedAtMs(): number {
    return this.allocationOrder.oldestAt();
  }

  /** the i-th allocated slot from the oldest */
  allocatedAt(i: number): number {
    return this.allocationOrder.at(i);
  }

  /** Takes the oldest slot out of the allocation order; the caller finalizes it if pending, then releases it. */
  dropOldest(): void {
    this.allocationOrder.dropOldest();
  }

  /** Frees a slot (already out of the allocation order): table delete + clear timestamps. */
  release(slot: number): void {
    // backward-shift deletion: move up each later entry of the probe run that may not stay
    const mask = this.entryMask;
    let hole = this.entryOfSlot[slot]!;
    let j = hole;
    for (;;) {
      j = (j + 1) & mask;
      const s = this.entrySlot[j]!;
      if (s < 0) break;
      const home = this.homeEntry(this.entryIdLow[j]!, this.entryIdHigh[j]!);
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      this.entryIdLow[hole] = this.entryIdLow[j]!;
      this.entryIdHigh[hole] = this.entryIdHigh[j]!;
      this.entrySlot[hole] = s;
      this.entryOfSlot[s] = hole;
      hole = j;
    }
    this.entrySlot[hole] = -1;
    if (this.state[slot] === SLOT_PENDING) this.pending--;
    this.state[slot] = SLOT_FREE;
    this.times.fill(NaN, slot * this.width, (slot + 1) * this.width);
    this.freeSlots[this.freeCount++] = slot;
  }

  /** Bytes held by the pool, the id table and the allocation order. */
  get bytes(): number {
    let perSlot = 0;
    for (const a of [this.times, this.state, this.direction, this.expectedRecords, this.completedAtMs, this.proto, this.sport, this.dport,
      this.flowHash, this.seqNo, this.hasDrop, this.dropReason, this.dropHost, this.dropLocationHigh, this.dropLocationLow, this.entryOfSlot, this.freeSlots]) {
      perSlot += a.byteLength;
    }
    return perSlot + this.entrySlot.length * 12 + this.allocationOrder.capacity * 12;
  }

  /** the table entry an id probes first */
  private homeEntry(idLow: number, idHigh: number): number {
    return Math.imul(idLow ^ Math.imul(idHigh, 0x85ebca6b), 0x9e3779b1) >>> this.hashShift;
  }

  private grow(n: number): void {
    const old = this.size;
    const times = new Float64Array(n * this.width).fill(NaN);
    times.set(this.times);
    this.times = times;
    const completedAtMs = new Float64Array(n).fill(NaN);
    completedAtMs.set(this.completedAtMs);
    this.completedAtMs = completedAtMs;
    this.state = grown(this.state, new Uint8Array(n));
    this.direction = grown(this.direction, new Uint8Array(n));
    this.expectedRecords = grown(this.expectedRecords, new Uint16Array(n));
    this.proto = grown(this.proto, new Uint8Array(n));
    this.sport = grown(this.sport, new Uint16Array(n));
    this.dport = grown(this.dport, new Uint16Array(n));
    this.flowHash = grown(this.flowHash, new Int32Array(n));
    this.seqNo = grown(this.seqNo, new Uint32Array(n));
    this.hasDrop = grown(this.hasDrop, new Uint8Array(n));
    this.dropReason = grown(this.dropReason, new Uint32Array(n));
    this.dropHost = grown(this.dropHost, new Int16Array(n));
    this.dropLocationHigh = grown(this.dropLocationHigh, new Uint32Array(n));
    this.dropLocationLow = grown(this.dropLocationLow, new Uint32Array(n));
    this.entryOfSlot = grown(this.entryOfSlot, new Int32Array(n));
    const free = new Int32Array(n);
    free.set(this.freeSlots.subarray(0, this.freeCount));
    // new slots, lowest index on top
    let top = this.freeCount;
    for (let s = n - 1; s >= old; s--) free[top++] = s;
    this.freeSlots = free;
    this.freeCount = top;
    this.size = n;
    let bits = 4;
    while (1 << bits < n * 2) bits++;
    if (1 << bits > this.entrySlot.length) this.rebuildTable(bits);
  }

  /** A table of 2^bits entries holding every entry of the current one (and entryOfSlot pointing into it). */
  private rebuildTable(bits: number): void {
    const oldLow = this.entryIdLow;
    const oldHigh = this.entryIdHigh;
    const oldSlot = this.entrySlot;
    this.entryMask = (1 << bits) - 1;
    this.hashShift = 32 - bits;
    this.entryIdLow = new Uint32Array(1 << bits);
    this.entryIdHigh = new Uint32Array(1 << bits);
    this.entrySlot = new Int32Array(1 << bits).fill(-1);
    for (let j = 0; j < oldSlot.length; j++) {
      const slot = oldSlot[j]!;
      if (slot >= 0) this.insertEntry(oldLow[j]!, oldHigh[j]!, slot);
    }
  }

  /** The id's entry in the table: the first empty one from its home entry (the id is not in the table). */
  private insertEntry(idLow: number, idHigh: number, slot: number): void {
    let i = this.homeEntry(idLow, idHigh);
    while (this.entrySlot[i]! >= 0) i = (i + 1) & this.entryMask;
    this.entryIdLow[i] = idLow;
    this.entryIdHigh[i] = idHigh;
    this.entrySlot[i] = slot;
    this.entryOfSlot[slot] = i;
  }
}

/** `into` (a longer array) with `from` copied to its start */
function grown<T extends Uint8Array | Uint16Array | Int16Array | Int32Array | Uint32Array>(from: T, into: T): T {
  into.set(from);
  return into;
}
