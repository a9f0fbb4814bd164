import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BpfError, native, type NativeBpfObject, type NativeRingBufferStats, type RingBuffer } from './index.js';
import {
  buildFixtures,
  FX_C_EMITTED,
  FX_C_RINGBUF_FULL,
  FX_CHECK,
  FX_MAGIC,
  FX_RECORD_SIZE,
  fixtureObject,
  nativeDir,
  runBpfTests,
  sumPerCpu,
  testFrame,
  u32Key,
} from './testing/fixtures.js';

function openLoaded(): NativeBpfObject {
  const obj = native.openObject(fixtureObject);
  obj.setAutoload('fx_tp', false);
  obj.setAutoload('fx_tp_btf', false);
  obj.load();
  return obj;
}

function counter(obj: NativeBpfObject, idx: number): number {
  return sumPerCpu(obj.mapLookup('counters', u32Key(idx)));
}

/** Checks every record of a batch and returns how many it holds. */
function checkBatch(batch: Buffer, seenSeq: Set<string>): number {
  expect(batch.length % FX_RECORD_SIZE).toBe(0);
  const n = batch.length / FX_RECORD_SIZE;
  for (let i = 0; i < n; i++) {
    const off = i * FX_RECORD_SIZE;
    if (batch.readUInt32LE(off + 28) !== FX_MAGIC) throw new Error(`record ${i}: bad magic`);
    if ((batch.readBigUInt64LE(off + 56) ^ FX_CHECK) !== batch.readBigUInt64LE(off + 8)) throw new Error(`record ${i}: its tail is another record's`);
    const key = `${batch.readUInt32LE(off + 24)}:${batch.readBigUInt64LE(off + 8)}`;
    if (seenSeq.has(key)) throw new Error(`record ${key} delivered twice`);
    seenSeq.add(key);
  }
  return n;
}

describe.skipIf(!runBpfTests)('RingBuffer (real BPF)', () => {
  const objects: NativeBpfObject[] = [];
  beforeAll(() => buildFixtures());
  afterEach(() => {
    for (const o of objects.splice(0)) o.close();
  });

  it('drains 1e6 test runs to JS while the JS thread is free: received + counted drops == runs', async () => {
    const obj = openLoaded();
    objects.push(obj);
    const seen = new Set<string>();
    let received = 0;
    let batches = 0;
    const rb = obj.openRingBuffer(
      'events',
      { recordSize: FX_RECORD_SIZE, batchRecords: 512, flushMs: 20, maxPendingBatches: 4096 },
      (batch) => {
        batches++;
        received += checkBatch(batch, seen);
      },
    );
    const runs = 1_000_000;
    const t0 = process.hrtime.bigint();
    const r = await obj.testRunAsync('fx_tc', testFrame(), runs);
    await rb.close();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const full = counter(obj, FX_C_RINGBUF_FULL);
    const emitted = counter(obj, FX_C_EMITTED);
    const stats = rb.stats() as NativeRingBufferStats;
    console.log(
      `[ringbuf drain] ${runs} runs in ${seconds.toFixed(3)}s (bpf ${r.durationNs} ns/run): ` +
        `received ${received} (${(received / seconds / 1e6).toFixed(2)} M records/s), ringbuf_full ${full}, ` +
        `batches ${batches}, pauses ${stats.backpressurePauses}`,
    );
    expect(r.retval).toBe(0);
    expect(received + full).toBe(runs);
    expect(received).toBe(emitted);
    expect(stats.records).toBe(received);
    expect(stats.batches).toBe(batches);
    expect(stats.sizeMismatches).toBe(0);
    expect(stats.pendingBatches).toBe(0);
    expect(received).toBeGreaterThan(10_000);
  });

  it('maps the ring data once and delivers entries that wrap around its end whole', async () => {
    const obj = openLoaded();
    objects.push(obj);
    const seen = new Set<string>();
    let received = 0;
    const rb = obj.openRingBuffer(
      'events',
      { recordSize: FX_RECORD_SIZE, batchRecords: 128, flushMs: 5, maxPendingBatches: 4096 },
      (batch) => {
        received += checkBatch(batch, seen);
      },
    );
    // 72-byte entries in a 256 KiB ring: the end falls inside an entry at a different byte on
    // every lap; the test run is paced in slices the drain thread keeps up with (no drops)
    const ringBytes = 256 * 1024;
    const perSlice = Math.floor(ringBytes / (FX_RECORD_SIZE + 8) / 2);
    const mappings = ringMappings();
    for (let lap = 0; lap < 2 * 72; lap++) {
      await obj.testRunAsync('fx_tc', testFrame(), perSlice);
      await waitFor(() => received + counter(obj, FX_C_RINGBUF_FULL) === (lap + 1) * perSlice, 2000);
    }
    await rb.close();
    expect(counter(obj, FX_C_RINGBUF_FULL)).toBe(0);
    expect(received).toBe(2 * 72 * perSlice);
    // the reader's read-only mapping: the producer page and the data once (libbpf maps it twice)
    expect(mappings).toContain(4096 + ringBytes);
    expect(mappings).not.toContain(4096 + 2 * ringBytes);
    // and unmapped when the drain thread ends, not when JS lets go of the RingBuffer
    expect(ringMappings()).not.toContain(4096 + ringBytes);
  });

  it('lends batches: each valid during its call, detached after it, the memory reused for later batches', async () => {
    const obj = openLoaded();
    objects.push(obj);
    const seen = new Set<string>();
    const kept: Buffer[] = [];
    let received = 0;
    const rb = obj.openRingBuffer(
      'events',
      { recordSize: FX_RECORD_SIZE, batchRecords: 256, flushMs: 10, maxPendingBatches: 4, lend: true },
      (batch) => {
        received += checkBatch(batch, seen);
        kept.push(batch);
      },
    );
    const runs = 100_000;
    await obj.testRunAsync('fx_tc', testFrame(), runs);
    await rb.close();
    expect(received + counter(obj, FX_C_RINGBUF_FULL)).toBe(runs);
    expect(received).toBe(counter(obj, FX_C_EMITTED));
    expect(kept.length).toBeGreaterThan(1);
    // a batch kept past its call reads as empty: never as the later batch now in its memory
    expect(kept.every((b) => b.length === 0)).toBe(true);
    expect(() => obj.openRingBuffer('events', { recordSize: 64, batchRecords: 1, flushMs: 1, maxPendingBatches: 1, lend: 1 as unknown as boolean }, () => undefined)).toThrow(
      /lend must be a boolean/,
    );
  });

  it('applies backpressure while JS is busy: the kernel ring fills, BPF counts the drops, nothing is lost silently', async () => {
    const obj = openLoaded();
    objects.push(obj);
    const seen = new Set<string>();
    let received = 0;
    const batchRecords = 256;
    const maxPendingBatches = 2;
    const rb = obj.openRingBuffer(
      'events',
      { recordSize: FX_RECORD_SIZE, batchRecords, flushMs: 10, maxPendingBatches },
      (batch) => {
        received += checkBatch(batch, seen);
      },
    );
    const runs = 1_000_000;
    // synchronous test run: the JS thread is blocked for the whole run, so no batch is delivered
    obj.testRun('fx_tc', testFrame(), runs);
    // and stays busy a little longer
    const until = Date.now() + 100;
    while (Date.now() < until) {
      /* busy JS */
    }
    const pausedStats = rb.stats() as NativeRingBufferStats;
    expect(pausedStats.pendingBatches).toBeLessThanOrEqual(maxPendingBatches);
    expect(pausedStats.backpressurePauses).toBeGreaterThanOrEqual(1);
    await rb.close();
    const full = counter(obj, FX_C_RINGBUF_FULL);
    // the ring holds ~256 KiB / 72 B records; user space held at most maxPending + 1 batches
    const ringCapacity = Math.floor((256 * 1024) / (FX_RECORD_SIZE + 8));
    console.log(`[ringbuf backpressure] received ${received}, ringbuf_full ${full}, pauses ${pausedStats.backpressurePauses}`);
    expect(full).toBeGreaterThan(0);
    expect(received + full).toBe(runs);
    expect(received).toBeLessThanOrEqual(ringCapacity + (maxPendingBatches + 1) * batchRecords);
    expect(received).toBe(counter(obj, FX_C_EMITTED));
  });

  it('delivers a partial batch after flushMs, and close() delivers the rest before resolving', async () => {
    const obj = openLoaded();
    objects.push(obj);
    const sizes: number[] = [];
    const rb = obj.openRingBuffer(
      'events',
      { recordSize: FX_RECORD_SIZE, batchRecords: 1000, flushMs: 30, maxPendingBatches: 8 },
      (batch) => sizes.push(batch.length / FX_RECORD_SIZE),
    );
    obj.testRun('fx_tc', testFrame(), 10);
    await waitFor(() => sizes.length > 0, 2000);
    expect(sizes).toEqual([10]);
    // a long flush interval: records only leave with close()
    const slow: number[] = [];
    const rb2 = obj.openRingBuffer(
      'events',
      { recordSize: FX_RECORD_SIZE, batchRecords: 1000, flushMs: 600_000, maxPendingBatches: 8 },
      (batch) => slow.push(batch.length / FX_RECORD_SIZE),
    );
    await rb.close();
    obj.testRun('fx_tc', testFrame(), 7);
    await new Promise((r) => setTimeout(r, 150));
    expect(slow).toEqual([]);
    await rb2.close();
    expect(slow).toEqual([7]);
    await rb2.close(); // idempotent
  });

  it('drain() delivers what waits before it resolves, and the thread goes on draining', async () => {
    const obj = openLoaded();
    objects.push(obj);
    const sizes: number[] = [];
    // a flush interval no test outlives: records leave only with drain() or close()
    const rb = obj.openRingBuffer(
      'events',
      { recordSize: FX_RECORD_SIZE, batchRecords: 1000, flushMs: 600_000, maxPendingBatches: 8 },
      (batch) => sizes.push(batch.length / FX_RECORD_SIZE),
    );
    await rb.drain(); // nothing waits: resolves all the same
    expect(sizes).toEqual([]);
    obj.testRun('fx_tc', testFrame(), 7);
    await new Promise((r) => setTimeout(r, 100));
    expect(sizes, 'before drain(), the records wait in the ring').toEqual([]);
    await rb.drain();
    expect(sizes).toEqual([7]);
    obj.testRun('fx_tc', testFrame(), 5);
    await Promise.all([rb.drain(), rb.drain()]); // two at once: both answered
    expect(sizes).toEqual([7, 5]);
    await rb.close();
    await rb.drain(); // after close(): nothing left, resolves
    expect(sizes).toEqual([7, 5]);
  });

  it('stops with the object: BpfObject.close() ends the drain thread', async () => {
    const obj = openLoaded();
    let received = 0;
    const rb: RingBuffer = obj.openRingBuffer(
      'events',
      { recordSize: FX_RECORD_SIZE, batchRecords: 64, flushMs: 5, maxPendingBatches: 8 },
      (batch) => {
        received += batch.length / FX_RECORD_SIZE;
      },
    );
    obj.testRun('fx_tc', testFrame(), 100);
    obj.close();
    await rb.close();
    expect(received).toBe(100);
  });

  it('rejects bad options and non-ringbuf maps with a BpfError', () => {
    const obj = openLoaded();
    objects.push(obj);
    expect(() =>
      obj.openRingBuffer('kv', { recordSize: 64, batchRecords: 1, flushMs: 1, maxPendingBatches: 1 }, () => undefined),
    ).toThrow(/not a BPF_MAP_TYPE_RINGBUF/);
    expect(() =>
      obj.openRingBuffer('events', { recordSize: 0, batchRecords: 1, flushMs: 1, maxPendingBatches: 1 }, () => undefined),
    ).toThrow(BpfError);
    const staged = (staging: { map: string; program: string }) => () =>
      obj.openRingBuffer('events', { recordSize: 64, batchRecords: 1, flushMs: 1, maxPendingBatches: 1, staging }, () => undefined);
    expect(staged({ map: 'kv', program: 'fx_tc' })).toThrow(/staging map 'kv' is not a BPF_MAP_TYPE_PERCPU_ARRAY/);
    expect(staged({ map: 'nope', program: 'fx_tc' })).toThrow(BpfError);
    // a flush that cannot run on a chosen CPU (a tc program here; a kernel before 5.10 for raw_tp) is refused at once
    expect(staged({ map: 'staging', program: 'fx_tc' })).toThrow(/BPF_F_TEST_RUN_ON_CPU/);
  });

  it('does not keep the event loop alive after close(), and raises onBatch exceptions as uncaught', async () => {
    const script = `
      import { native } from ${JSON.stringify(path.join(nativeDir, 'src/index.ts'))};
      const obj = native.openObject(${JSON.stringify(fixtureObject)});
      obj.setAutoload('fx_tp', false); obj.setAutoload('fx_tp_btf', false);
      obj.load();
      let n = 0;
      let thrown = false;
      process.on('uncaughtException', (e) => console.log('uncaught', e.message));
      // the first batch throws (how many records it holds depends on when the thread woke)
      const rb = obj.openRingBuffer('events', { recordSize: 64, batchRecords: 8, flushMs: 5, maxPendingBatches: 4 }, (b) => {
        n += b.length / 64;
        if (!thrown) {
          thrown = true;
          throw new Error('boom in onBatch');
        }
      });
      obj.testRun('fx_tc', new Uint8Array(64), 20);
      await rb.close();
      console.log('received', n);
    `;
    const started = Date.now();
    const out = await runNode(['--import', 'tsx', '--input-type=module', '-e', script], 20_000);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('uncaught boom in onBatch');
    expect(out.stdout).toContain('received 20'); // the drain went on after the exception
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

/** Sizes of this process's read-only shared mappings of BPF maps (ring buffers' producer side). */
function ringMappings(): number[] {
  return readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter((l) => / r--s /.test(l) && l.endsWith('anon_inode:bpf-map'))
    .map((l) => {
      const [start, end] = l.split(' ')[0]!.split('-').map((h) => parseInt(h, 16));
      return end! - start!;
    });
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function runNode(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: nativeDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not exit within ${timeoutMs} ms (event loop kept alive?): ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
