/**
 * Splits a mixed batch of packed records by probe slot (no per-record objects). A slot that
 * takes every record of the batch (the usual case: one probe, or probes on one pair) gets the
 * batch itself, not a copy; other slots get their records copied, a run of consecutive
 * records at a time. Callers must treat the returned Buffers as read-only.
 */
import { CAPTURE_SIZE, CaptureOffset, MAX_PROBES, RECORD_SIZE, RecordOffset } from '@xtrace/proto';

/** Returns slot -> packed records of that slot, for the slots in `activeMask` only. */
export function splitBySlot(batch: Buffer, activeMask: number): Map<number, Buffer> {
  const n = Math.floor(batch.byteLength / RECORD_SIZE);
  const out = new Map<number, Buffer>();
  if (n === 0) return out;
  const counts = new Array<number>(MAX_PROBES).fill(0);
  let any = 0;
  for (let off = RecordOffset.probeMask; off < n * RECORD_SIZE; off += RECORD_SIZE) {
    let mask = (batch.readUInt32LE(off) & activeMask) >>> 0;
    any |= mask;
    while (mask !== 0) {
      const bit = 31 - Math.clz32(mask);
      counts[bit]!++;
      mask &= ~(1 << bit);
    }
  }
  const whole = n * RECORD_SIZE === batch.byteLength ? batch : batch.subarray(0, n * RECORD_SIZE);
  for (let mask = any >>> 0; mask !== 0; ) {
    const slot = 31 - Math.clz32(mask);
    mask &= ~(1 << slot);
    out.set(slot, counts[slot] === n ? whole : copySlot(batch, n, slot, counts[slot]!));
  }
  return out;
}

/** The records of one slot, copied in runs of consecutive matching records. */
function copySlot(batch: Buffer, n: number, slot: number, count: number): Buffer {
  const dst = Buffer.allocUnsafe(count * RECORD_SIZE);
  const bit = (1 << slot) >>> 0;
  let at = 0;
  let runStart = -1;
  for (let i = 0; i <= n; i++) {
    const hit = i < n && (batch.readUInt32LE(i * RECORD_SIZE + RecordOffset.probeMask) & bit) !== 0;
    if (hit && runStart < 0) runStart = i;
    else if (!hit && runStart >= 0) {
      at += batch.copy(dst, at, runStart * RECORD_SIZE, i * RECORD_SIZE);
      runStart = -1;
    }
  }
  return dst;
}

/** Adds `skewNs` (may be negative) to the timestamp of every `size`-byte entry (records, or captures), in place. */
export function skewRecords(records: Buffer, skewNs: bigint, size = RECORD_SIZE): void {
  if (skewNs === 0n) return;
  for (let off = 0; off + size <= records.byteLength; off += size) {
    const ts = records.readBigUInt64LE(off + RecordOffset.tsNs);
    records.writeBigUInt64LE(BigInt.asUintN(64, ts + skewNs), off + RecordOffset.tsNs);
  }
}

/** Calls `take(slot, capture)` for every capture of `batch` and every slot of `activeMask` its probe_mask names. */
export function forEachCaptureSlot(batch: Buffer, activeMask: number, take: (slot: number, capture: Buffer) => void): void {
  for (let off = 0; off + CAPTURE_SIZE <= batch.byteLength; off += CAPTURE_SIZE) {
    let mask = (batch.readUInt32LE(off + CaptureOffset.probeMask) & activeMask) >>> 0;
    while (mask !== 0) {
      const slot = 31 - Math.clz32(mask);
      mask &= ~(1 << slot);
      take(slot, batch.subarray(off, off + CAPTURE_SIZE));
    }
  }
}
