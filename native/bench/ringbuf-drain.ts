/**
 * Drain rate of the addon's ring buffer, records/s delivered to JS, with BPF_PROG_TEST_RUN of the
 * fixture tc program as the producer (on the libuv pool, so the JS thread keeps receiving).
 *   node --import tsx native/bench/ringbuf-drain.ts [repeat=2000000] [rounds=3]
 * Compare with the plain C consumer: make -C native/bench && native/bench/out/c-consumer
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { native } from '../src/index.js';

const nativeDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repeat = Number(process.argv[2] ?? 2_000_000);
const rounds = Number(process.argv[3] ?? 3);
const RECORD = 64;

execFileSync('make', ['-s', '-C', path.join(nativeDir, 'test-fixtures')], { stdio: 'inherit' });
const obj = native.openObject(path.join(nativeDir, 'test-fixtures/out/fixture.bpf.o'));
obj.setAutoload('fx_tp', false);
obj.setAutoload('fx_tp_btf', false);
obj.load();

const key = Buffer.alloc(4);
key.writeUInt32LE(2); // FX_C_RINGBUF_FULL
const full = (): number => {
  const v = obj.mapLookup('counters', key)!;
  let s = 0n;
  for (let o = 0; o < v.length; o += 8) s += v.readBigUInt64LE(o);
  return Number(s);
};

const frame = Buffer.alloc(64);
frame.writeUInt16BE(0x0800, 12);
frame[14] = 0x45;
frame[23] = 17;

const rates: number[] = [];
for (let r = 1; r <= rounds; r++) {
  let received = 0;
  let touched = 0n;
  const rb = obj.openRingBuffer(
    'events',
    { recordSize: RECORD, batchRecords: 1024, flushMs: 20, maxPendingBatches: 1024 },
    (batch) => {
      received += batch.length / RECORD;
      touched ^= batch.readBigUInt64LE(batch.length - RECORD + 8); // read the last record's seq
    },
  );
  const full0 = full();
  const t0 = process.hrtime.bigint();
  const res = await obj.testRunAsync('fx_tc', frame, repeat);
  await rb.close();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const drops = full() - full0;
  const rate = received / seconds;
  rates.push(rate);
  const stats = rb.stats();
  console.log(
    `addon round ${r}: ${repeat} runs in ${seconds.toFixed(3)} s (bpf ${res.durationNs} ns/run): received ${received} = ` +
      `${(rate / 1e6).toFixed(2)} M records/s, ringbuf_full ${drops}, received+full ${received + drops === repeat ? '==' : '!='} runs, ` +
      `batches ${stats.batches}, backpressure pauses ${stats.backpressurePauses}`,
  );
  void touched;
}
obj.close();
rates.sort((a, b) => a - b);
console.log(`addon drain rate (median of ${rounds}): ${(rates[Math.floor(rates.length / 2)]! / 1e6).toFixed(2)} M records/s`);
