/**
 * Packet captures (xtrace pair --pcap): a probe slot with a snaplen makes the tc program write
 * the kept frame's first bytes to xt_captures beside its record (bpf/include/probe.h
 * xt_capture); a probe without one writes nothing there. The real program in the kernel
 * (BPF_PROG_TEST_RUN).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CAPTURE_BYTES, Stage } from '@xtrace/proto';
import { frame } from './frames.js';
import { bpfUnavailableReason, TestRunHarness } from './test-run-harness.js';

const skip = bpfUnavailableReason();
const A = '192.168.81.10';
const B = '192.168.81.20';

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
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
    const records = await t.drain(50);
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
    t.captures.length = 0;
    t.watch(A, B); // the same pair, no capture asked
    t.run(f);
    const records = await t.drain(100);
    expect(records.length).toBeGreaterThan(0); // the packet was kept ...
    expect(t.captures).toHaveLength(0); // ... and not captured
  });
});
