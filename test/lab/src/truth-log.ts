import { readFileSync } from 'node:fs';

/** Fate of a frame in the relay's truth log. */
const TRUTH_FATES = ['forwarded', 'loss', 'overflow', 'write_error', 'oversize'] as const;
export type TruthFate = (typeof TRUTH_FATES)[number];

/** One frame as the relay saw it (--truth FILE; 104-byte little-endian records, see relay.c). */
export interface TruthRecord {
  /** the kernel's transmit of the frame on the relay's input tap (= readNs without a kernel stamp) */
  enqNs: bigint;
  readNs: bigint;
  /** 0n when the frame was not written */
  writeNs: bigint;
  /** scheduled send time: dueNs - enqNs is the injected delay+jitter (0n when never scheduled) */
  dueNs: bigint;
  len: number;
  dir: 'ab' | 'ba';
  fate: TruthFate;
  /** first bytes of the frame, from the Ethernet header on (up to 64) */
  head: Buffer;
}

export const TRUTH_RECORD_SIZE = 104;

export function parseTruthLog(buf: Buffer): TruthRecord[] {
  const out: TruthRecord[] = [];
  for (let off = 0; off + TRUTH_RECORD_SIZE <= buf.length; off += TRUTH_RECORD_SIZE) {
    const caplen = buf.readUInt16LE(off + 30);
    out.push({
      enqNs: buf.readBigUInt64LE(off + 96),
      readNs: buf.readBigUInt64LE(off),
      writeNs: buf.readBigUInt64LE(off + 8),
      dueNs: buf.readBigUInt64LE(off + 16),
      len: buf.readUInt32LE(off + 24),
      dir: buf.readUInt8(off + 28) === 0 ? 'ab' : 'ba',
      fate: TRUTH_FATES[buf.readUInt8(off + 29)] ?? 'forwarded',
      head: Buffer.from(buf.subarray(off + 32, off + 32 + caplen)),
    });
  }
  return out;
}

export function readTruthLog(file: string): TruthRecord[] {
  return parseTruthLog(readFileSync(file));
}
