import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, EnvelopeError, MAX_ENVELOPE_BYTES, MAX_ENVELOPE_COUNTERS } from './envelope.js';
import { decodeRecords, encodeRecords } from './record-layout.js';
import { CAPTURE_SIZE } from './capture-layout.js';

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

  it('carries packet captures when the agent has them (xtrace pair --pcap), and refuses partial ones', () => {
    const base = { v: 1, host: 'h', bootId: 'b', probe: 'p', seq: 1, clock: { monoNs: 1n, realNs: 1n }, counters: {}, records: Buffer.alloc(64) };
    const captures = Buffer.alloc(2 * CAPTURE_SIZE, 7);
    expect(Buffer.compare(decodeEnvelope(encodeEnvelope({ ...base, captures })).captures!, captures)).toBe(0);
    expect(decodeEnvelope(encodeEnvelope(base)).captures).toBeUndefined();
    expect(() => decodeEnvelope(encodeEnvelope({ ...base, captures: Buffer.alloc(CAPTURE_SIZE + 1) }))).toThrow(/captures: .*not a multiple of 160/);
  });

  it('rejects partial records and bad versions', () => {
    const base = { v: 1, host: 'h', bootId: 'b', probe: 'p', seq: 1, clock: { monoNs: 1n, realNs: 1n }, counters: {}, records: Buffer.alloc(64) };
    expect(() => decodeEnvelope(encodeEnvelope({ ...base, records: Buffer.alloc(65) }))).toThrow(/not a multiple of 64/);
    expect(() => decodeEnvelope(encodeEnvelope({ ...base, v: 2 }))).toThrow(EnvelopeError);
    expect(() => decodeEnvelope(encodeEnvelope({ ...base, seq: 0 }))).toThrow(/seq/);
  });

  it('names the bad header field', () => {
    const packr = new Packr({ useRecords: false, int64AsType: 'bigint', mapsAsObjects: true });
    const base = { v: 1, host: 'h', bootId: 'b', probe: 'p', seq: 1, clock: { monoNs: 1n, realNs: 1n }, counters: {}, records: Buffer.alloc(64) };
    const bad = (patch: Record<string, unknown>): string => {
      try {
        decodeEnvelope(packr.pack({ ...base, ...patch }));
      } catch (e: unknown) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(bad({ v: 2 })).toBe('bad event envelope: v: unsupported version 2');
    expect(bad({ records: Buffer.alloc(65) })).toBe('bad event envelope: records: 65 bytes is not a multiple of 64');
    expect(bad({ records: 'x' })).toBe('bad event envelope: records: expected binary');
    expect(bad({ host: 5 })).toBe('bad event envelope: host: expected a string');
    expect(bad({ seq: 1.5 })).toBe('bad event envelope: seq: expected an integer >= 1');
    expect(bad({ clock: 3 })).toBe('bad event envelope: clock: expected a map');
    expect(bad({ clock: { monoNs: 'x', realNs: 1n } })).toBe('bad event envelope: clock.monoNs: expected an integer, got string');
    expect(bad({ counters: undefined })).toBe('accepted');
    expect(bad({ firstRecord: -1 })).toBe('bad event envelope: firstRecord: expected an integer >= 0');
    expect(bad({ firstRecord: 'x' })).toBe('bad event envelope: firstRecord: expected an integer >= 0');
    expect(decodeEnvelope(packr.pack({ ...base, firstRecord: 2n ** 40n })).firstRecord).toBe(2 ** 40);
    expect(decodeEnvelope(encodeEnvelope({ ...base, firstRecord: 0 })).firstRecord).toBe(0);
    expect(decodeEnvelope(packr.pack(base))).not.toHaveProperty('firstRecord'); // an older agent's envelope
    expect(() => decodeEnvelope(packr.pack(5))).toThrow('bad event envelope: not a map');
    expect(decodeEnvelope(packr.pack({ ...base, seq: 5n, clock: { monoNs: 7, realNs: 2n ** 62n }, counters: { a: 2n ** 40n } }))).toMatchObject({ seq: 5, clock: { monoNs: 7n, realNs: 2n ** 62n }, counters: { a: 2 ** 40 } });
  });

  it('refuses an envelope past MAX_ENVELOPE_BYTES before decoding it, and long ids, huge seqs and garbage counters', () => {
    const base = { v: 1, host: 'h', bootId: 'b', probe: 'p', seq: 1, clock: { monoNs: 1n, realNs: 1n }, counters: {}, records: Buffer.alloc(64) };
    const big = encodeEnvelope({ ...base, records: Buffer.alloc(MAX_ENVELOPE_BYTES) });
    expect(() => decodeEnvelope(big)).toThrow(`bad event envelope: ${big.byteLength} bytes is more than ${MAX_ENVELOPE_BYTES}`);
    expect(() => decodeEnvelope(new Uint8Array(MAX_ENVELOPE_BYTES + 1))).toThrow(/more than/);
    expect(() => decodeEnvelope(encodeEnvelope({ ...base, bootId: 'b'.repeat(129) }))).toThrow('bad event envelope: bootId: expected at most 128 characters');
    const packr = new Packr({ useRecords: false, int64AsType: 'bigint', mapsAsObjects: true });
    expect(() => decodeEnvelope(packr.pack({ ...base, seq: 2n ** 64n - 1n }))).toThrow(/: seq: expected an integer/);
    const many = Object.fromEntries(Array.from({ length: MAX_ENVELOPE_COUNTERS + 10 }, (_, i) => [`c${i}`, i]));
    const env = decodeEnvelope(packr.pack({ ...base, counters: { ...many, junk: 'x', obj: { a: 1 } } }));
    expect(Object.keys(env.counters)).toHaveLength(MAX_ENVELOPE_COUNTERS);
    expect(env.counters['junk']).toBeUndefined();
  });
});
