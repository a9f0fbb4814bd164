/**
 * The packet id, computed by the real BPF parser in the kernel (BPF_PROG_TEST_RUN): equal for
 * the same packet bare and tunnelled and whatever hops rewrite, different for different packets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordFlag, Stage } from '@xtrace/proto';
import { frame, tunnelled, type PacketSpec } from './frames.js';
import { bpfUnavailableReason, onOneCpu, TestRunHarness } from './test-run-harness.js';

const skip = bpfUnavailableReason();
const A4 = '192.168.77.10';
const B4 = '192.168.77.20';
const A6 = 'fd00:77::10';
const B6 = 'fd00:77::20';

describe.skipIf(skip !== undefined)(`packet identity in BPF${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let h: TestRunHarness;
  beforeAll(() => {
    h = TestRunHarness.open();
    h.watch(A4, B4);
    h.watch(A6, B6, { slot: 1 });
  });
  afterAll(async () => h?.close());

  const cases: [string, PacketSpec][] = [
    ['ICMPv4 echo', { src: A4, dst: B4, proto: 'icmp', id: 7, seq: 1 }],
    ['UDPv4', { src: A4, dst: B4, proto: 'udp', sport: 40001, dport: 7000 }],
    ['TCPv4', { src: A4, dst: B4, proto: 'tcp', seq: 1000, ack: 55 }],
    ['ICMPv6 echo', { src: A6, dst: B6, proto: 'icmp', id: 7, seq: 1 }],
    ['UDPv6', { src: A6, dst: B6, proto: 'udp', sport: 40001, dport: 7000 }],
    ['TCPv6', { src: A6, dst: B6, proto: 'tcp', seq: 1000, ack: 55 }],
  ];

  for (const [name, spec] of cases) {
    it(`${name}: the same id bare, in VXLAN, in Geneve, over an IPv6 underlay, and after a TTL change`, async () => {
      const [bare, vxlan, geneve, vxlan6, ttl] = await h.recordsFor([
        frame(spec),
        tunnelled(frame(spec), 'vxlan'),
        tunnelled(frame(spec), 'geneve'),
        tunnelled(frame(spec), 'vxlan', 'fd00:99::1', 'fd00:99::2'),
        frame({ ...spec, ttl: 3 }),
      ]);
      expect(bare).toBeDefined();
      expect(bare!.pktId).not.toBe(0n);
      for (const other of [vxlan, geneve, vxlan6, ttl]) expect(other?.pktId).toBe(bare!.pktId);
      expect(bare!.flags & RecordFlag.tunnel).toBe(0);
      expect(vxlan!.flags & RecordFlag.tunnel).toBe(RecordFlag.tunnel);
      expect(geneve!.flags & RecordFlag.tunnel).toBe(RecordFlag.tunnel);
      expect(bare!.stage).toBe(Stage.nic_rx);
      expect(bare!.probeMask).toBe(spec.src.includes(':') ? 0b10 : 0b01);
      expect(bare!.flags & RecordFlag.reverse).toBe(0);
    });
  }

  it("tells forward from reverse by the probe's --src, also when --src is the pair's higher address", async () => {
    // 192.168.77.40 -> .30: --src sorts after --dst in the pair key
    const [C4, D4] = ['192.168.77.40', '192.168.77.30'];
    h.watch(C4, D4, { slot: 2 });
    const [forward, reply] = await h.recordsFor([
      frame({ src: C4, dst: D4, proto: 'udp', payload: Buffer.from('forward ........') }),
      frame({ src: D4, dst: C4, proto: 'udp', payload: Buffer.from('reply ..........') }),
    ]);
    expect(forward!.probeMask).toBe(0b100);
    expect(forward!.flags & RecordFlag.reverse).toBe(0);
    expect(reply!.flags & RecordFlag.reverse).toBe(RecordFlag.reverse);
  });

  it('gives different ids to different packets of one flow, and marks replies as reverse', async () => {
    const [p1, p2, p3, udp1, udp2, reply] = await h.recordsFor([
      frame({ src: A4, dst: B4, proto: 'icmp', id: 7, seq: 1 }),
      frame({ src: A4, dst: B4, proto: 'icmp', id: 7, seq: 2 }),
      frame({ src: A4, dst: B4, proto: 'tcp', seq: 1000, ack: 56 }),
      frame({ src: A4, dst: B4, proto: 'udp', payload: Buffer.from('request #1 .....') }),
      frame({ src: A4, dst: B4, proto: 'udp', payload: Buffer.from('request #2 .....') }),
      frame({ src: B4, dst: A4, proto: 'icmp', id: 7, seq: 1 }),
    ]);
    const ids = [p1, p2, p3, udp1, udp2, reply].map((r) => r?.pktId);
    expect(new Set(ids).size).toBe(6);
    expect(reply!.flags & RecordFlag.reverse).toBe(RecordFlag.reverse);
    // request and reply share the flow hash
    expect(reply!.flowHash).toBe(p1!.flowHash);
    expect(p1!.sport).toBe(7);
    expect(p1!.seq).toBe(1);
  });

  it('emits nothing for packets of no probe and counts non-IP frames', async () => {
    const before = h.counters();
    const [other, arp] = await h.recordsFor([
      frame({ src: '192.168.77.30', dst: B4, proto: 'icmp' }),
      Buffer.concat([Buffer.alloc(12, 2), Buffer.from([0x08, 0x06]), Buffer.alloc(28)]),
    ]);
    expect(other).toBeUndefined();
    expect(arp).toBeUndefined();
    const after = h.counters();
    expect(after.not_ip - before.not_ip).toBe(1);
    expect(after.emitted - before.emitted).toBe(0);
  });

  it('counts truncated headers as parse failures, never as records', async () => {
    const before = h.counters();
    const full = frame({ src: A4, dst: B4, proto: 'tcp' });
    const [cut] = await h.recordsFor([full.subarray(0, 14 + 20 + 10)]);
    expect(cut).toBeUndefined();
    expect(h.counters().parse_fail - before.parse_fail).toBe(1);
  });

  it('samples consistently on the id: the same packets are kept on every run', async () => {
    h.watch('192.168.78.1', '192.168.78.2', { slot: 2, sampleN: 4, sampleK: 1 });
    const frames = Array.from({ length: 400 }, (_, i) => frame({ src: '192.168.78.1', dst: '192.168.78.2', proto: 'icmp', id: 9, seq: i }));
    for (const f of frames) h.run(f);
    const kept1 = (await h.drain()).map((r) => r.seq).sort((a, b) => a - b);
    for (const f of frames) h.run(f);
    const kept2 = (await h.drain()).map((r) => r.seq).sort((a, b) => a - b);
    expect(kept1).toEqual(kept2);
    // 1 in 4 of 400, with the binomial spread of a good hash
    expect(kept1.length).toBeGreaterThan(70);
    expect(kept1.length).toBeLessThan(130);
  });

  it('applies a changed probe on a pair at once (the per-CPU pair cache is not served stale)', async () => {
    const pair = { src: '192.168.79.1', dst: '192.168.79.2' };
    const udp = frame({ ...pair, proto: 'udp', sport: 5000, dport: 6000 });
    h.watch(pair.src, pair.dst, { slot: 3 });
    expect((await h.recordsFor([udp]))[0]).toBeDefined();
    h.watch(pair.src, pair.dst, { slot: 3, proto: 'tcp' }); // the same pair, now TCP only
    expect((await h.recordsFor([udp]))[0]).toBeUndefined();
    h.watch(pair.src, pair.dst, { slot: 3 });
    expect((await h.recordsFor([udp]))[0]).toBeDefined();
  });

  it('records a pair at once when a probe starts on it (a remembered miss is not served stale)', async () => {
    const pair = { src: '192.168.76.1', dst: '192.168.76.2' };
    const udp = frame({ ...pair, proto: 'udp', sport: 5000, dport: 6000 });
    // on one CPU, so the run after the probe starts meets the miss the runs before it cached
    const [before, after] = await onOneCpu(async () => {
      const b = await h.recordsFor([udp, udp]); // no probe on the pair: the miss is cached
      h.watch(pair.src, pair.dst, { slot: 2 });
      return [b, await h.recordsFor([udp])];
    });
    expect(before).toEqual([undefined, undefined]);
    expect(after[0]?.probeMask).toBe(0b100);
  });
});
