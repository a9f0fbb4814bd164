/**
 * Envelope decode cost per batch (controller side, on the hot path of every probe): msgpack
 * unpack plus the header check (proto/src/envelope.ts), for batches of 1, 64 and 1024 packed
 * records. The records are never copied or checked one by one, so the check's cost is per
 * batch; this prints ns per decode and the share of it that is not msgpack.
 *
 *   node --import tsx test/bench/envelope-decode.ts [iterations=100000]
 */
import { Packr } from 'msgpackr';
import { decodeEnvelope, encodeEnvelope, RECORD_SIZE } from '@xtrace/proto';

const iterations = Number(process.argv[2] ?? 100_000);
const packr = new Packr({ useRecords: false, int64AsType: 'bigint', mapsAsObjects: true });

function envelope(records: number): Uint8Array {
  return encodeEnvelope({
    v: 1,
    host: 'hv-bench-01',
    bootId: '6f1c2d9e-3a4b-4c5d-8e7f-0a1b2c3d4e5f',
    probe: 'bench-probe',
    seq: 123_456,
    clock: { monoNs: 9_876_543_210_123n, realNs: 1_700_000_000_123_456_789n },
    counters: { ringbuf_full: 3, parse_fail: 0, batch_flush: 17, sampled_out: 1234 },
    records: Buffer.alloc(records * RECORD_SIZE, 7),
  });
}

/** best ns per call of each function over rounds that alternate between them (a shared machine's noise hits both) */
function nsPer(fs: (() => void)[]): number[] {
  for (const f of fs) for (let i = 0; i < 20_000; i++) f();
  const best = fs.map(() => Infinity);
  for (let round = 0; round < 10; round++) {
    fs.forEach((f, j) => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) f();
      best[j] = Math.min(best[j]!, Number(process.hrtime.bigint() - t0) / iterations);
    });
  }
  return best;
}

let sink = 0;
for (const n of [1, 64, 1024]) {
  const data = envelope(n);
  const [unpack, decode] = nsPer([
    () => {
      sink += (packr.unpack(data) as { seq: number }).seq;
    },
    () => {
      sink += decodeEnvelope(data).seq;
    },
  ]) as [number, number];
  console.log(`${String(n).padStart(5)} records (${data.byteLength} B): decodeEnvelope ${decode.toFixed(0)} ns/batch, msgpack unpack alone ${unpack.toFixed(0)} ns, check ${(decode - unpack).toFixed(0)} ns/batch = ${((decode - unpack) / n).toFixed(2)} ns/record`);
}
if (sink === 0) console.log('(sink)');
