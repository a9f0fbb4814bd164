/**
 * Packet captures (xtrace pair --pcap): a probe slot with a snaplen makes the tc program write
 * the kept frame's first bytes to xt_captures beside its record (bpf/include/probe.h
 * xt_capture); a probe without one writes nothing there. The real program in the kernel
 * (BPF_PROG_TEST_RUN).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CAPTURE_BYTES, Stage, type DecodedRecord } from '@xtrace/proto';
import { frame } from './frames.js';
import { bpfUnavailableReason, TestRunHarness } from './test-run-harness.js';

const skip = bpfUnavailableReason();
const A = '192.168.81.10';
const B = '192.168.81.20';

/** waits for cond (no deadline of its own: the test's timeout is the bound, a busy machine only makes it slower) */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}

/** the harness's records until one of each pkt id has arrived */
async function recordsOf(t: TestRunHarness, ids: bigint[]): Promise<DecodedRecord[]> {
  const got: DecodedRecord[] = [];
  while (!ids.every((id) => got.some((r) => r.pktId === id))) got.push(...(await t.drain(20)));
  return got;
}

describe.skipIf(skip !== undefined)(`packet captures in BPF${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let h: TestRunHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('captures the first snaplen bytes of a kept frame, with its record\'s id, time, stage and length', async () => {
    const t = (h = TestRunHarness.open({ flushMs: 5 }));
    t.watch(A, B, { slot: 3, snaplen: CAPTURE_BYTES });
    const big = frame({ src: A, dst: B, proto: 'icmp', id: 7, seq: 1, payload: Buffer.alloc(200, 0xab) });
    const small = frame({ src: A, dst: B, proto: 'icmp', id: 7, seq: 2, payload: Buffer.from('short') });
    t.run(big);
    t.run(small);
    await until(() => t.captures.length >= 2);
    const records = await recordsOf(t, t.captures.map((c) => c.pktId));
    expect(t.captures).toHaveLength(2);
    const [c1, c2] = t.captures;
    expect(c1!.len).toBe(big.length);
    expect(c1!.data.equals(big.subarray(0, CAPTURE_BYTES))).toBe(true);
    expect(c2!.len).toBe(small.length);
    expect(c2!.data.equals(small)).toBe(true); // shorter than the snaplen: all of it
    for (const c of [c1!, c2!]) {
      expect(c.stage).toBe(Stage.nic_rx);
      expect(c.probeMask).toBe(1 << 3);
      const rec = records.find((r) => r.pktId === c.pktId);
      expect(rec?.tsNs).toBe(c.tsNs);
    }
    expect(t.counters().capture_full).toBe(0);
  });

  it('a smaller snaplen takes fewer bytes; a probe without one captures nothing', async () => {
    const t = (h = TestRunHarness.open({ flushMs: 5 }));
    const f = frame({ src: A, dst: B, proto: 'udp', sport: 5000, dport: 6000 });
    t.watch(A, B, { snaplen: 20 });
    t.run(f);
    await until(() => t.captures.length >= 1);
    expect(t.captures.map((c) => c.data.length)).toEqual([20]);
    expect(t.captures[0]!.data.equals(f.subarray(0, 20))).toBe(true);
    await recordsOf(t, [t.captures[0]!.pktId]); // the first run's record
    t.captures.length = 0;
    t.watch(A, B); // the same pair, no capture asked
    t.run(f);
    let records: DecodedRecord[] = [];
    while (records.length === 0) records = await t.drain(20);
    expect(records).toHaveLength(1); // the packet was kept ...
    await t.drain(100); // (a capture, were there one, was submitted before the record)
    expect(t.captures).toHaveLength(0); // ... and not captured
  });
});
