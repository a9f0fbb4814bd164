import { describe, expect, it } from 'vitest';
import { RECORD_SIZE, decodeEnvelope, decodeRecords, encodeEnvelope, encodeRecords } from '@xtrace/proto';
import { EnvelopeBuilder, writeEnvelope } from './envelope-writer.js';

const meta = {
  v: 1,
  host: 'hv-a',
  bootId: 'b1',
  probe: 'p1',
  seq: 7,
  clock: { monoNs: 2n ** 62n + 3n, realNs: 1_700_000_000_000_000_123n },
  counters: { ringbuf_full: 3, parse_fail: 0 },
};

describe('writeEnvelope', () => {
  it('writes exactly what encodeEnvelope writes, for every bin size', () => {
    for (const n of [0, 1, 3, 4, 1023, 1024, 8192]) {
      const records = encodeRecords(Array.from({ length: n }, (_, i) => ({ pktId: BigInt(i + 1), tsNs: BigInt(i) })));
      const parts = n > 2 ? [records.subarray(0, RECORD_SIZE), records.subarray(RECORD_SIZE, 2 * RECORD_SIZE), records.subarray(2 * RECORD_SIZE)] : [records];
      const out = writeEnvelope(meta, parts);
      expect(Buffer.compare(Buffer.from(out), Buffer.from(encodeEnvelope({ ...meta, records })))).toBe(0);
      expect(decodeEnvelope(out).records.byteLength).toBe(n * RECORD_SIZE);
    }
  });

  it('writes exactly what encodeEnvelope writes with the first record index, and without it (older metadata)', () => {
    const records = encodeRecords([{ pktId: 1n }, { pktId: 2n }]);
    for (const m of [{ ...meta, firstRecord: 123_456 }, meta]) {
      const out = writeEnvelope(m, [records]);
      expect(Buffer.compare(Buffer.from(out), Buffer.from(encodeEnvelope({ ...m, records })))).toBe(0);
      expect(decodeEnvelope(out).firstRecord).toBe(m === meta ? undefined : 123_456);
      const b = new EnvelopeBuilder(4);
      b.append(records);
      expect(Buffer.compare(Buffer.from(b.finish(m)), Buffer.from(encodeEnvelope({ ...m, records })))).toBe(0);
    }
  });

  it('writes exactly what encodeEnvelope writes with packet captures', () => {
    const records = encodeRecords([{ pktId: 1n }]);
    const m = { ...meta, captures: Buffer.alloc(3 * 160, 5) };
    expect(Buffer.compare(Buffer.from(writeEnvelope(m, [records])), Buffer.from(encodeEnvelope({ ...m, records })))).toBe(0);
    const b = new EnvelopeBuilder(4);
    b.append(records);
    const out = b.finish(m);
    expect(Buffer.compare(Buffer.from(out), Buffer.from(encodeEnvelope({ ...m, records })))).toBe(0);
    expect(decodeEnvelope(out).captures?.byteLength).toBe(3 * 160);
  });

  it('edits the records of the output, never the parts', () => {
    const records = encodeRecords([{ tsNs: 1000n }, { tsNs: 2000n }]);
    const out = writeEnvelope(meta, [records], (r) => r.writeBigUInt64LE(5n, 0));
    expect(decodeRecords(decodeEnvelope(out).records).map((r) => r.tsNs)).toEqual([5n, 2000n]);
    expect(decodeRecords(records)[0]!.tsNs).toBe(1000n);
  });
});

describe('EnvelopeBuilder', () => {
  it('takes records up to its capacity, then writes what encodeEnvelope writes and starts over', () => {
    const records = encodeRecords(Array.from({ length: 10 }, (_, i) => ({ pktId: BigInt(i + 1) })));
    const b = new EnvelopeBuilder(6);
    expect(b.append(records.subarray(0, 2 * RECORD_SIZE))).toBe(2 * RECORD_SIZE);
    expect(b.append(records, 2 * RECORD_SIZE)).toBe(4 * RECORD_SIZE);
    expect(b.full).toBe(true);
    expect(b.append(records, 6 * RECORD_SIZE)).toBe(0);
    const out = b.finish(meta, (r) => r.writeBigUInt64LE(9n, 0));
    const want = Buffer.from(records.subarray(0, 6 * RECORD_SIZE));
    want.writeBigUInt64LE(9n, 0);
    expect(Buffer.compare(Buffer.from(out), Buffer.from(encodeEnvelope({ ...meta, records: want })))).toBe(0);
    expect(decodeRecords(records)[0]!.tsNs).toBe(0n); // the source is never edited
    expect(b.records).toBe(0);
    expect(Buffer.compare(Buffer.from(b.finish(meta)), Buffer.from(encodeEnvelope({ ...meta, records: Buffer.alloc(0) })))).toBe(0);
  });
});
