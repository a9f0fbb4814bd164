/**
 * Splits a mixed batch of packed records by probe slot, copying each probe's records into
 * its own packed Buffer (no per-record objects).
 */
import { RECORD_SIZE, RecordOffset } from '@xtrace/proto';

/** Returns slot -> packed records of that slot, for the slots in `activeMask` only. */
export function splitBySlot(batch: Buffer, activeMask: number): Map<number, Buffer> {
  const n = Math.floor(batch.byteLength / RECORD_SIZE);
  const counts = new Array<number>(32).fill(0);
  for (let i = 0; i < n; i++) {
    let mask = (batch.readUInt32LE(i * RECORD_SIZE + RecordOffset.probeMask) & activeMask) >>> 0;
    while (mask !== 0) {
      const bit = 31 - Math.clz32(mask);
      counts[bit]!++;
      mask &= ~(1 << bit);
    }
  }
  const out = new Map<number, Buffer>();
  const fill = new Map<number, number>();
  for (let s = 0; s < 32; s++) {
    if (counts[s]! > 0) {
      out.set(s, Buffer.allocUnsafe(counts[s]! * RECORD_SIZE));
      fill.set(s, 0);
    }
  }
  if (out.size === 0) return out;
  for (let i = 0; i < n; i++) {
    const off = i * RECORD_SIZE;
    let mask = (batch.readUInt32LE(off + RecordOffset.probeMask) & activeMask) >>> 0;
    while (mask !== 0) {
      const bit = 31 - Math.clz32(mask);
      mask &= ~(1 << bit);
      const at = fill.get(bit)!;
      batch.copy(out.get(bit)!, at, off, off + RECORD_SIZE);
      fill.set(bit, at + RECORD_SIZE);
    }
  }
  return out;
}

/** Adds `skewNs` (may be negative) to every record's ts_ns, in place. */
export function skewRecords(records: Buffer, skewNs: bigint): void {
  if (skewNs === 0n) return;
  for (let off = 0; off + RECORD_SIZE <= records.byteLength; off += RECORD_SIZE) {
    const ts = records.readBigUInt64LE(off + RecordOffset.tsNs);
    records.writeBigUInt64LE(BigInt.asUintN(64, ts + skewNs), off + RecordOffset.tsNs);
  }
}
