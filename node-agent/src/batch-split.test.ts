import { describe, expect, it } from 'vitest';
import { decodeRecords, encodeRecords } from '@xtrace/proto';
import { skewRecords, splitBySlot } from './batch-split.js';

describe('splitBySlot', () => {
  it('copies each active slot its own records, in order, still packed', () => {
    const batch = encodeRecords([
      { pktId: 1n, probeMask: 0b001 },
      { pktId: 2n, probeMask: 0b011 },
      { pktId: 3n, probeMask: 0b100 }, // slot 2 not active
      { pktId: 4n, probeMask: 2 ** 31 },
    ]);
    const out = splitBySlot(batch, (0b011 | 2 ** 31) >>> 0);
    expect([...out.keys()].sort((a, b) => a - b)).toEqual([0, 1, 31]);
    expect(decodeRecords(out.get(0)!).map((r) => r.pktId)).toEqual([1n, 2n]);
    expect(decodeRecords(out.get(1)!).map((r) => r.pktId)).toEqual([2n]);
    expect(decodeRecords(out.get(31)!).map((r) => r.pktId)).toEqual([4n]);
    // a slot with only some of the records gets a copy
    out.get(0)!.fill(0);
    expect(decodeRecords(batch)[0]!.pktId).toBe(1n);
  });

  it('hands a slot that takes every record the batch itself, and copies runs for the others', () => {
    const batch = encodeRecords([
      { pktId: 1n, probeMask: 0b11 },
      { pktId: 2n, probeMask: 0b01 },
      { pktId: 3n, probeMask: 0b11 },
      { pktId: 4n, probeMask: 0b11 },
      { pktId: 5n, probeMask: 0b01 },
    ]);
    const out = splitBySlot(batch, 0b11);
    expect(out.get(0)).toBe(batch);
    expect(decodeRecords(out.get(1)!).map((r) => r.pktId)).toEqual([1n, 3n, 4n]);
    expect(splitBySlot(batch, 0b100).size).toBe(0);
    expect(splitBySlot(Buffer.alloc(0), 0b1).size).toBe(0);
  });

  it('skews timestamps by a signed offset', () => {
    const b = encodeRecords([{ tsNs: 1_000n }, { tsNs: 5_000_000_000n }]);
    skewRecords(b, -500n);
    expect(decodeRecords(b).map((r) => r.tsNs)).toEqual([500n, 4_999_999_500n]);
  });
});
