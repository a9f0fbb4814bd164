/**
 * Per-CPU record batches (XT_CFG_BATCH, bpf/include/emit.h): records wait in their CPU's
 * xt_batch and go to the ring 8 at a time, or when the drain thread runs xt_flush_batch on that
 * CPU. Real programs in the kernel (BPF_PROG_TEST_RUN), every run on one CPU so that the runs
 * share one batch.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BATCH_RECORDS } from '@xtrace/node-agent/tracing';
import { frame } from './frames.js';
import { bpfUnavailableReason, onOneCpu, TestRunHarness } from './test-run-harness.js';

const skip = bpfUnavailableReason();
const A = '192.168.79.10';
const B = '192.168.79.20';
const packet = (seq: number): Buffer => frame({ src: A, dst: B, proto: 'icmp', id: 3, seq });
/** no timed flush while a test runs: only a full batch, or the drain thread's last drain (stopRing), sends records on */
const NEVER_MS = 600_000;

describe.skipIf(skip !== undefined)(`per-CPU record batches in BPF${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let h: TestRunHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const waiting = (t: TestRunHarness): number => t.batches().reduce((a, b) => a + b.waiting, 0);

  it('a full batch goes to the ring on its own; a partial one waits for the flush, and the last drain flushes it', async () => {
    await onOneCpu(async () => {
      const t = (h = TestRunHarness.open({ flushMs: NEVER_MS }));
      t.watch(A, B);
      for (let seq = 0; seq < BATCH_RECORDS - 1; seq++) t.run(packet(seq));
      expect(waiting(t)).toBe(BATCH_RECORDS - 1);
      expect(t.counters().emitted).toBe(0); // counted when written to the ring
      t.run(packet(BATCH_RECORDS - 1));
      expect(waiting(t)).toBe(0);
      expect(t.counters().emitted).toBe(BATCH_RECORDS);
      for (let seq = BATCH_RECORDS; seq < BATCH_RECORDS + 3; seq++) t.run(packet(seq));
      expect(waiting(t)).toBe(3);
      await t.stopRing();
      const records = await t.drain(0);
      // one entry of BATCH_RECORDS whole records, then the 3 the last flush sent: all of them, in order
      expect(records.map((r) => r.seq)).toEqual(Array.from({ length: BATCH_RECORDS + 3 }, (_, i) => i));
      expect(t.counters().emitted).toBe(BATCH_RECORDS + 3);
      const stats = t.ringStats();
      expect(stats.sizeMismatches).toBe(0);
      expect(stats.stagingFlushes).toBe(1);
      expect(stats.stagingErrors).toBe(0);
    });
  });

  it('drain() sends every CPU\'s waiting records on at once, with the thread still running (a probe\'s stop)', async () => {
    await onOneCpu(async () => {
      const t = (h = TestRunHarness.open({ flushMs: NEVER_MS }));
      t.watch(A, B);
      for (let seq = 0; seq < 3; seq++) t.run(packet(seq));
      expect(waiting(t)).toBe(3);
      expect((await t.drainNow()).map((r) => r.seq)).toEqual([0, 1, 2]);
      expect(waiting(t)).toBe(0);
      for (let seq = 3; seq < 5; seq++) t.run(packet(seq));
      expect((await t.drainNow()).map((r) => r.seq)).toEqual([3, 4]);
      const stats = t.ringStats();
      expect(stats.stagingFlushes).toBe(2);
      expect(stats.stagingErrors).toBe(0);
    });
  });

  it('records of a CPU that sends no more reach user space within the flush interval', async () => {
    await onOneCpu(async () => {
      const t = (h = TestRunHarness.open({ flushMs: 20 }));
      t.watch(A, B);
      t.run(packet(1));
      t.run(packet(2));
      const records = await t.drain(200);
      expect(records.map((r) => r.seq)).toEqual([1, 2]);
      expect(t.ringStats().stagingFlushes).toBeGreaterThanOrEqual(1);
      expect(waiting(t)).toBe(0);
    });
  });

  it('a program that finds its batch busy (it interrupted another) emits on its own, and the flush leaves a busy batch alone', async () => {
    await onOneCpu(async () => {
      const t = (h = TestRunHarness.open({ flushMs: NEVER_MS }));
      t.watch(A, B);
      t.setBatches(0, 1);
      t.run(packet(1));
      t.run(packet(2));
      expect(t.counters().emitted).toBe(2); // straight to the ring
      expect(waiting(t)).toBe(0);
      // a batch busy with 2 records (a program inside it) when the drain thread flushes: refused
      t.setBatches(2, 1);
      await t.stopRing();
      expect((await t.drain(0)).map((r) => r.seq)).toEqual([1, 2]);
      const stats = t.ringStats();
      expect(stats.stagingBusy).toBe(t.batches().length);
      expect(stats.stagingFlushes).toBe(0);
    });
  });

  it('without XT_CFG_BATCH every record is a ring entry of its own', async () => {
    await onOneCpu(async () => {
      const t = (h = TestRunHarness.open({ batch: false, flushMs: NEVER_MS }));
      t.watch(A, B);
      for (let seq = 0; seq < 3; seq++) t.run(packet(seq));
      expect(t.counters().emitted).toBe(3);
      expect(waiting(t)).toBe(0);
      await t.stopRing();
      expect((await t.drain(0)).map((r) => r.seq)).toEqual([0, 1, 2]);
      expect(t.ringStats().stagingFlushes).toBe(0);
    });
  });
});
