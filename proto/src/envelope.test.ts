import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, EnvelopeError } from './envelope.js';
import { decodeRecords, encodeRecords } from './record-layout.js';

describe('event envelope', () => {
  it('round-trips metadata and leaves packed records byte-identical', () => {
    const records = encodeRecords([
      { tsNs: 123456789012345n, pktId: 0xfedcba9876543210n, stage: 2, probeMask: 1 << 31 },
      { tsNs: 2n ** 63n + 5n, pktId: 1n, stage: 7 },
    ]);
    const bytes = encodeEnvelope({
      v: 1,
      host: 'hv-a',
      bootId: 'b1',
      probe: 'p1',
      seq: 7,
      clock: { monoNs: 2n ** 62n + 3n, realNs: 1_700_000_000_000_000_123n },
      counters: { ringbuf_full: 3, parse_fail: 0 },
      records,
    });
    const env = decodeEnvelope(bytes);
    expect(env.host).toBe('hv-a');
    expect(env.seq).toBe(7);
    expect(env.clock).toEqual({ monoNs: 2n ** 62n + 3n, realNs: 1_700_000_000_000_000_123n });
    expect(env.counters).toEqual({ ringbuf_full: 3, parse_fail: 0 });
    expect(Buffer.compare(env.records, records)).toBe(0);
    expect(decodeRecords(env.records)[1]!.tsNs).toBe(2n ** 63n + 5n);
  });

  it('rejects partial records and bad versions', () => {
    const base = { v: 1, host: 'h', bootId: 'b', probe: 'p', seq: 1, clock: { monoNs: 1n, realNs: 1n }, counters: {}, records: Buffer.alloc(64) };
    expect(() => decodeEnvelope(encodeEnvelope({ ...base, records: Buffer.alloc(65) }))).toThrow(/not a multiple of 64/);
    expect(() => decodeEnvelope(encodeEnvelope({ ...base, v: 2 }))).toThrow(EnvelopeError);
    expect(() => decodeEnvelope(encodeEnvelope({ ...base, seq: 0 }))).toThrow(/seq/);
  });
});
