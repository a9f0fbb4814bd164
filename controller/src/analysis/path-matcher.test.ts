import { describe, expect, it } from 'vitest';
import { PathMatcher } from './path-matcher.js';
import { TrafficBuilder, hops, type TestPacket } from '../../../test/support/matcher-traffic.js';
import { RECORD_SIZE, RecordOffset, type AnalysisReport, type SegmentReport, type StageName } from '@xtrace/proto';
import type { RecordBatch } from './path-matcher.js';

const US = 1000;
const BASE_A = 1_000_000_000_000n; // A booted 1000 s before "true zero"
const BASE_B = 7_000_000_000_000n;

type Plan = [string, StageName, number][];

/** forward plan: delays before each hop, ns */
function fwdPlan(wire: number): Plan {
  return [
    ['A', 'tap_rx', 0],
    ['A', 'ovs_in', 10 * US],
    ['A', 'ovs_out', 5 * US],
    ['A', 'nic_tx', 5 * US],
    ['B', 'nic_rx', wire],
    ['B', 'ovs_in', 10 * US],
    ['B', 'ovs_out', 5 * US],
    ['B', 'tap_tx', 5 * US],
  ];
}
function revPlan(turn: number, wire: number): Plan {
  return [
    ['B', 'tap_rx', turn],
    ['B', 'ovs_in', 10 * US],
    ['B', 'ovs_out', 5 * US],
    ['B', 'nic_tx', 5 * US],
    ['A', 'nic_rx', wire],
    ['A', 'ovs_in', 10 * US],
    ['A', 'ovs_out', 5 * US],
    ['A', 'tap_tx', 5 * US],
  ];
}

/** ICMP echo exchanges A->B->A, one every 10 ms */
function pings(
  tb: TrafficBuilder,
  n: number,
  opts: { wireF?: (i: number) => number; wireR?: (i: number) => number; turn?: number; idBase?: bigint } = {},
): void {
  for (let i = 0; i < n; i++) {
    const t0 = i * 10_000_000;
    const f = hops(fwdPlan(opts.wireF?.(i) ?? 50 * US), t0);
    const r = hops(revPlan(opts.turn ?? 200 * US, opts.wireR?.(i) ?? 50 * US), f.end);
    const base = opts.idBase ?? 1000n;
    tb.add({ id: base + BigInt(2 * i), proto: 1, sport: 77, dport: 8 << 8, seq: i, hops: f.hops });
    tb.add({ id: base + BigInt(2 * i + 1), proto: 1, sport: 77, dport: 0, seq: i, reverse: true, hops: r.hops });
  }
}

function seg(r: AnalysisReport, dir: 'forward' | 'reverse', from: string, to: string): SegmentReport {
  const s = r.directions[dir].segments.find((x) => x.from === from && x.to === to);
  if (!s) throw new Error(`no segment ${from}->${to} in ${dir}: ${JSON.stringify(r.directions[dir].segments.map((x) => `${x.from}->${x.to}`))}`);
  return s;
}

function run(batches: ReturnType<TrafficBuilder['batches']>, opts: Partial<ConstructorParameters<typeof PathMatcher>[0]> = {}) {
  const m = new PathMatcher({ hosts: ['A', 'B'], timeoutMs: 2000, ...opts });
  for (const b of batches) m.ingest(b, 0);
  return { m, report: m.finish(5000) };
}

/** UDP exchanges A (port 41000) -> B (service port 7000), one every `everyNs` from `startNs`, 300 µs server turnaround */
function udpExchanges(tb: TrafficBuilder, n: number, startNs: number, everyNs: number, idBase: bigint): void {
  for (let i = 0; i < n; i++) {
    const f = hops(fwdPlan(50 * US), startNs + i * everyNs);
    const r = hops(revPlan(300 * US, 50 * US), f.end);
    tb.add({ id: idBase + BigInt(2 * i), proto: 17, sport: 41_000, dport: 7000, hops: f.hops });
    tb.add({ id: idBase + BigInt(2 * i + 1), proto: 17, sport: 7000, dport: 41_000, reverse: true, hops: r.hops });
  }
}

/**
 * Each host's records cut into batches by the host's own clock, as an agent cuts them: batch k
 * holds the records `batchOf` puts there (default: window k-1 of `windowMs`, from the host's
 * boot base) and arrives at `arrival(host, k)` controller ms; `cuts` gives each batch its cut time
 * (envelope clock.monoNs: base + k windows). Sorted by arrival.
 */
function cutIntoBatches(
  tb: TrafficBuilder,
  o: { windowMs: number; batches?: number; cuts?: boolean; arrival: (host: string, k: number) => number; batchOf?: (rec: Buffer, host: string, window: number) => number },
): { atMs: number; batch: RecordBatch }[] {
  const out: { atMs: number; batch: RecordBatch }[] = [];
  for (const b of tb.batches()) {
    const base = b.hostId === 'A' ? BASE_A : BASE_B;
    const byCut = new Map<number, Buffer[]>();
    for (let k = 1; k <= (o.batches ?? 0); k++) byCut.set(k, []);
    for (let off = 0; off < b.records.length; off += RECORD_SIZE) {
      const rec = Buffer.from(b.records.subarray(off, off + RECORD_SIZE));
      const window = Math.floor(Number(rec.readBigUInt64LE(RecordOffset.tsNs) - base) / (o.windowMs * 1e6));
      const k = o.batchOf?.(rec, b.hostId, window) ?? window + 1;
      const batch = byCut.get(k);
      if (batch) batch.push(rec);
      else byCut.set(k, [rec]);
    }
    let seq = 1;
    for (const [k, recs] of [...byCut].sort((x, y) => x[0] - y[0])) {
      const cut = o.cuts ? { cutMonoNs: base + BigInt(k) * BigInt(o.windowMs) * 1_000_000n } : {};
      out.push({ atMs: o.arrival(b.hostId, k), batch: { ...b, seq: seq++, records: Buffer.concat(recs), ...cut } });
    }
  }
  return out.sort((x, y) => x.atMs - y.atMs);
}

describe('PathMatcher', () => {
  for (const skew of [20_000_000, -20_000_000]) {
    it(`exact per-segment latency, clock skew ${skew / 1e6} ms`, () => {
      const tb = new TrafficBuilder({ A: BASE_A, B: BASE_B + BigInt(skew) });
      pings(tb, 20);
      const { report: r } = run(tb.batches());
      const fw = r.directions.forward;
      expect(fw.segments.map((s) => `${s.from_host}.${s.from}->${s.to_host}.${s.to}:${s.kind}`)).toEqual([
        'A.tap_rx->A.ovs_in:host',
        'A.ovs_in->A.ovs_out:host',
        'A.ovs_out->A.nic_tx:host',
        'A.nic_tx->B.nic_rx:wire',
        'B.nic_rx->B.ovs_in:host',
        'B.ovs_in->B.ovs_out:host',
        'B.ovs_out->B.tap_tx:host',
      ]);
      expect(fw.segments.map((s) => s.p50_us)).toEqual([10, 5, 5, 50, 10, 5, 5]);
      expect(fw.segments.map((s) => s.p99_us)).toEqual([10, 5, 5, 50, 10, 5, 5]);
      expect(fw.segments.map((s) => s.count)).toEqual([20, 20, 20, 20, 20, 20, 20]);
      expect(fw.segments.map((s) => s.share)).toEqual([0.1111, 0.0556, 0.0556, 0.5556, 0.1111, 0.0556, 0.0556]);
      const wire = seg(r, 'forward', 'nic_tx', 'nic_rx');
      expect(wire.uncertainty_us).toBe(50); // half the min round trip on the wire (2 x 50 µs)
      expect(fw.total).toMatchObject({ from: 'tap_rx', to: 'tap_tx', count: 20, p50_us: 90, max_us: 90, uncertainty_us: 50 });
      expect(seg(r, 'reverse', 'nic_tx', 'nic_rx')).toMatchObject({ from_host: 'B', to_host: 'A', p50_us: 50 });
      expect(r.vm_turnaround).toEqual([
        expect.objectContaining({ from: 'tap_tx', to: 'tap_rx', from_host: 'B', to_host: 'B', kind: 'vm', count: 20, p50_us: 200 }),
      ]);
      expect(r.round_trip).toEqual([
        expect.objectContaining({ from: 'tap_rx', to: 'tap_tx', from_host: 'A', count: 20, p50_us: 380 }),
      ]);
      expect(r.clock).toEqual([
        {
          hosts: ['A', 'B'],
          offset_us: Number(BASE_B - BASE_A + BigInt(skew)) / 1000,
          uncertainty_us: 50,
          samples: 20,
          min_delay_us: 100,
          source: 'pairs',
        },
      ]);
      expect(r.counters).toMatchObject({ records_in: 320, packets: 40, matched: 40, pairs: 20, duplicates: 0, expired_incomplete: 0, pending: 0 });
      expect(r.directions.forward.lost).toBe(0);
    });

    it(`skew ${skew / 1e6} ms with jittery symmetric wire: offset within µs, wire latency within uncertainty`, () => {
      const tb = new TrafficBuilder({ A: BASE_A, B: BASE_B + BigInt(skew) });
      // every 5th exchange crosses an idle wire (40 µs each way); the others queue 0..80 µs, independently per direction
      const jit = (i: number, salt: number) => (i % 5 === 0 ? 0 : ((i * 7919 + salt * 104729) % 80) * US);
      const wireF = (i: number) => 40 * US + jit(i, 1);
      const wireR = (i: number) => 40 * US + jit(i, 2);
      const n = 50;
      pings(tb, n, { wireF, wireR });
      const { report: r } = run(tb.batches());
      const c = r.clock[0]!;
      const trueOffsetUs = Number(BASE_B - BASE_A + BigInt(skew)) / 1000;
      expect(Math.abs(c.offset_us - trueOffsetUs)).toBeLessThanOrEqual(2);
      expect(c.min_delay_us).toBe(80);
      expect(c.uncertainty_us).toBeGreaterThanOrEqual(40);
      const truth = Array.from({ length: n }, (_, i) => wireF(i) / US).sort((a, b) => a - b);
      const wire = seg(r, 'forward', 'nic_tx', 'nic_rx');
      const trueP50 = truth[Math.ceil(0.5 * n) - 1]!;
      const trueMax = truth[n - 1]!;
      expect(Math.abs(wire.p50_us! - trueP50)).toBeLessThanOrEqual(wire.uncertainty_us! + trueP50 * 0.01);
      expect(Math.abs(wire.max_us! - trueMax)).toBeLessThanOrEqual(wire.uncertainty_us!);
      expect(Math.abs(wire.min_us! - 40)).toBeLessThanOrEqual(2);
    });
  }

  it('reordering: the destination host batch arrives first', () => {
    const tb = new TrafficBuilder({ A: BASE_A, B: BASE_B });
    pings(tb, 10);
    const batches = tb.batches().reverse();
    expect(batches[0]!.hostId).toBe('B');
    const { report: r } = run(batches);
    expect(r.directions.forward.segments.map((s) => s.p50_us)).toEqual([10, 5, 5, 50, 10, 5, 5]);
    expect(r.counters).toMatchObject({ packets: 20, matched: 20, pairs: 10, late_records: 0, expired_incomplete: 0 });
  });

  it('duplicates: the same host+stage twice keeps the first and counts the rest', () => {
    const tb = new TrafficBuilder({ A: BASE_A, B: BASE_B });
    pings(tb, 10);
    const [a, b] = tb.batches();
    const m = new PathMatcher({ hosts: ['A', 'B'] });
    m.ingest(a!, 0);
    m.ingest(a!, 1); // re-delivered batch: 10 exchanges x 8 A records
    m.ingest(b!, 2);
    const r = m.takeIntervalReport(5000);
    expect(r.counters.duplicates).toBe(80);
    expect(r.counters.packets).toBe(20);
    expect(seg(r, 'forward', 'tap_rx', 'ovs_in')).toMatchObject({ count: 10, p50_us: 10 });
  });

  it('complete packets finalize at once after the path settled; late records count, no phantom loss', () => {
    const tb = new TrafficBuilder({ A: BASE_A, B: BASE_B });
    pings(tb, 2);
    const m = new PathMatcher({ hosts: ['A', 'B'], timeoutMs: 1000 });
    for (const b of tb.batches()) m.ingest(b, 0);
    m.tick(1500); // settle + expire the first two exchanges
    expect(m.pending).toBe(0);
    const tb2 = new TrafficBuilder({ A: BASE_A, B: BASE_B });
    pings(tb2, 3, { idBase: 5000n });
    const [a2, b2] = tb2.batches();
    m.ingest(a2!, 1600);
    m.ingest(b2!, 1600);
    expect(m.pending).toBe(0); // all complete without waiting
    m.ingest(a2!, 1700); // late copies of finished packets
    const r = m.totalReport(1800);
    expect(r.counters.late_records).toBe(24);
    expect(r.counters.matched).toBe(10);
    expect(r.directions.forward.lost).toBe(0);
  });

  it('a stage no packet reaches is still expected when the agents reported it attached', () => {
    // every request dropped on B before tap_tx: traffic alone never shows tap_tx exists
    const tb = new TrafficBuilder({ A: BASE_A, B: BASE_B });
    for (let i = 0; i < 5; i++) {
      const f = hops(fwdPlan(50 * US), 100_000_000 + i * 10_000_000);
      tb.add({
        id: BigInt(100 + i),
        proto: 1,
        dport: 8 << 8,
        sport: 9,
        seq: i,
        hops: f.hops.slice(0, 7),
        drop: { host: 'B', t: f.hops[6]!.t + 1000, reason: 12, location: 0xffffffff8199aabbn },
      });
    }
    const stages = ['tap_rx', 'ovs_in', 'ovs_out', 'nic_tx', 'nic_rx', 'tap_tx'];
    const learned = new PathMatcher({ hosts: ['A', 'B'], timeoutMs: 2000 });
    const seeded = new PathMatcher({ hosts: ['A', 'B'], timeoutMs: 2000, expectedStages: { A: stages, B: stages } });
    const batches = tb.batches();
    for (const m of [learned, seeded]) {
      for (const b of batches) m.ingest(b, 0);
      m.tick(5000);
    }
    expect(learned.takeIntervalReport(5000).directions.forward.lost).toBe(0); // why seeding matters
    const r = seeded.takeIntervalReport(5000);
    expect(r.directions.forward.lost).toBe(5);
    const bOut = r.directions.forward.segments.find((s) => s.from === 'ovs_out' && s.from_host === 'B')!;
    expect(bOut).toMatchObject({ to: 'tap_tx', lost: 5, drop_reasons: { NETFILTER_DROP: 5 } });
  });

  it('expiry attributes loss to the segment after the last stage seen, with the drop reason', () => {
    const tb = new TrafficBuilder({ A: BASE_A, B: BASE_B });
    pings(tb, 10);
    // lost on the wire: seen up to A.nic_tx
    const f1 = hops(fwdPlan(50 * US), 200_000_000);
    tb.add({ id: 1n, proto: 1, dport: 8 << 8, sport: 9, seq: 1, hops: f1.hops.slice(0, 4) });
    // dropped by netfilter on B between ovs_in and ovs_out
    const f2 = hops(fwdPlan(50 * US), 210_000_000);
    tb.add({
      id: 2n,
      proto: 1,
      dport: 8 << 8,
      sport: 9,
      seq: 2,
      hops: f2.hops.slice(0, 6),
      drop: { host: 'B', t: f2.hops[5]!.t + 1000, reason: 12, location: 0xffffffff8199aabbn },
    });
    const m = new PathMatcher({ hosts: ['A', 'B'], timeoutMs: 2000 });
    for (const b of tb.batches()) m.ingest(b, 0);
    m.tick(1999);
    expect(m.pending).toBe(22);
    const r = m.takeIntervalReport(2000);
    expect(r.directions.forward.lost).toBe(2);
    expect(seg(r, 'forward', 'nic_tx', 'nic_rx')).toMatchObject({ lost: 1, drop_reasons: {}, count: 11 });
    expect(seg(r, 'forward', 'ovs_in', 'ovs_out').from_host).toBe('A');
    const bOvs = r.directions.forward.segments.find((s) => s.from === 'ovs_in' && s.from_host === 'B')!;
    expect(bOvs).toMatchObject({ lost: 1, drop_reasons: { NETFILTER_DROP: 1 }, count: 10 });
    expect(r.drop_sites).toEqual([
      { direction: 'forward', host: 'B', location: '0xffffffff8199aabb', reason: 'NETFILTER_DROP', from: 'ovs_in', to: 'ovs_out', count: 1 },
    ]);
    expect(r.counters).toMatchObject({ expired_incomplete: 2, drop_records: 1, matched: 20, packets: 22 });
  });

  it("names a drop by the dropping host's own kernel table", () => {
    const tb = new TrafficBuilder({ A: BASE_A, B: BASE_B });
    pings(tb, 10);
    // value 99 on each host: IPV6_NDISC_FRAG on 6.18.0, IPV6_TOO_MANY_EXTHDRS on B's 6.18.44
    for (const [i, host] of [[0, 'A'], [1, 'B']] as const) {
      const f = hops(fwdPlan(50 * US), 300_000_000 + i * 10_000_000);
      const seen = host === 'A' ? 2 : 6;
      tb.add({ id: 900n + BigInt(i), proto: 1, dport: 8 << 8, sport: 9, seq: 90 + i, hops: f.hops.slice(0, seen), drop: { host, t: f.hops[seen - 1]!.t + 1000, reason: 99 } });
    }
    const bTable = new Map([[99, 'IPV6_TOO_MANY_EXTHDRS']]);
    const m = new PathMatcher({ hosts: ['A', 'B'], timeoutMs: 2000, dropReasonsByHost: { B: bTable } });
    for (const b of tb.batches()) m.ingest(b, 0);
    const r = m.takeIntervalReport(2000);
    expect(r.drop_sites.map((d) => [d.host, d.reason])).toEqual(
      expect.arrayContaining([
        ['A', 'IPV6_NDISC_FRAG'], // no table of its own: the built-in 6.18.0 one
        ['B', 'IPV6_TOO_MANY_EXTHDRS'],
      ]),
    );
    expect(r.drop_sites).toHaveLength(2);
  });

  it('stalls: a 300 ms gap in a 1 ms-paced flow at every stage; a 1 s-paced flow never stalls', () => {
    const tb = new TrafficBuilder({ A: BASE_A, B: BASE_B });
    let t = 0;
    for (let i = 0; i < 60; i++) {
      t += i === 50 ? 300_000_000 : 1_000_000;
      tb.add({ id: BigInt(100 + i), proto: 17, sport: 4000, dport: 5000, flowHash: 0xabcdef01, hops: hops(fwdPlan(50 * US), t).hops });
    }
    for (let i = 0; i < 10; i++) {
      tb.add({ id: BigInt(900 + i), proto: 17, sport: 4001, dport: 5000, flowHash: 0x5555, hops: hops(fwdPlan(50 * US), i * 1e9).hops });
    }
    const { report: r } = run(tb.batches(), { stallThresholdMs: 100 });
    expect(r.stalls.map((s) => `${s.host}.${s.stage}`)).toEqual([
      'A.tap_rx',
      'A.ovs_in',
      'A.ovs_out',
      'A.nic_tx',
      'B.nic_rx',
      'B.ovs_in',
      'B.ovs_out',
      'B.tap_tx',
    ]);
    for (const s of r.stalls) {
      expect(s).toMatchObject({ direction: 'forward', flow_hash: 0xabcdef01, gap_ms: 300, typical_gap_ms: 1 });
    }
    expect(r.stalls[0]!.ts_ns).toBe((BASE_A + BigInt(50 * 1_000_000 + 300_000_000)).toString());
    // one-way UDP: no pairs, so the wire latency is unknown rather than made up
    const wire = seg(r, 'forward', 'nic_tx', 'nic_rx');
    expect(wire.p50_us).toBeNull();
    expect(wire.unresolved).toBe(70);
    expect(r.clock).toEqual([]);
  });

  it('UDP request/reply pairing (reverse batch order) gives turnaround and clock', () => {
    const tb = new TrafficBuilder({ A: BASE_A, B: BASE_B + 20_000_000n });
    for (let i = 0; i < 5; i++) {
      const f = hops(fwdPlan(50 * US), i * 20_000_000);
      const r = hops(revPlan(300 * US, 50 * US), f.end);
      tb.add({ id: BigInt(10 + 2 * i), proto: 17, sport: 40000, dport: 53, flowHash: 0x77, hops: f.hops });
      tb.add({ id: BigInt(11 + 2 * i), proto: 17, sport: 53, dport: 40000, flowHash: 0x77, reverse: true, hops: r.hops });
      // a one-way forward packet 5 ms later (e.g. a notification) that gets no reply
      tb.add({ id: BigInt(500 + i), proto: 17, sport: 40000, dport: 53, flowHash: 0x77, hops: hops(fwdPlan(50 * US), f.end + 5_000_000).hops });
    }
    const { report: r } = run(tb.batches().reverse());
    expect(r.counters.pairs).toBe(5);
    expect(r.vm_turnaround).toEqual([expect.objectContaining({ from: 'tap_tx', to: 'tap_rx', count: 5, p50_us: 300, max_us: 300 })]);
    expect(r.clock[0]).toMatchObject({ offset_us: Number(BASE_B - BASE_A + 20_000_000n) / 1000, uncertainty_us: 50, samples: 5 });
    expect(seg(r, 'forward', 'nic_tx', 'nic_rx')).toMatchObject({ count: 10, p50_us: 50, max_us: 50 });
  });

  it('UDP exchanges reach the interval reports once their pairing hold ran out, the last ones in finish()', () => {
    const tb = new TrafficBuilder({ A: BASE_A, B: BASE_B });
    for (let i = 0; i < 4; i++) {
      const f = hops(fwdPlan(50 * US), i * 20_000_000);
      const r = hops(revPlan(300 * US, 50 * US), f.end);
      tb.add({ id: BigInt(10 + 2 * i), proto: 17, sport: 40000, dport: 53, flowHash: 0x77, hops: f.hops });
      tb.add({ id: BigInt(11 + 2 * i), proto: 17, sport: 53, dport: 40000, flowHash: 0x77, reverse: true, hops: r.hops });
    }
    const stages = ['tap_rx', 'ovs_in', 'ovs_out', 'nic_tx', 'nic_rx', 'tap_tx'];
    const m = new PathMatcher({ hosts: ['A', 'B'], pairHoldMs: 1000, expectedStages: { A: stages, B: stages }, settleMs: 0 });
    for (const b of tb.batches()) m.ingest(b, 100); // every packet completes at 100
    expect(m.takeIntervalReport(1099).counters.pairs).toBe(0);
    const second = m.takeIntervalReport(1100);
    expect(second.counters.pairs).toBe(4);
    expect(second.vm_turnaround).toEqual([expect.objectContaining({ count: 4, p50_us: 300 })]);
    const tb2 = new TrafficBuilder({ A: BASE_A + 1_000_000_000n, B: BASE_B + 1_000_000_000n });
    const f = hops(fwdPlan(50 * US), 0);
    tb2.add({ id: 100n, proto: 17, sport: 40000, dport: 53, flowHash: 0x77, hops: f.hops });
    tb2.add({ id: 101n, proto: 17, sport: 53, dport: 40000, flowHash: 0x77, reverse: true, hops: hops(revPlan(300 * US, 50 * US), f.end).hops });
    for (const b of tb2.batches()) m.ingest({ ...b, seq: 1 }, 1200);
    expect(m.finish(1300).counters).toMatchObject({ pairs: 5, pairs_settled_early: 0 });
  });

  it('same-host pair: no wire, both taps on one host', () => {
    const tb = new TrafficBuilder({ A: BASE_A });
    for (let i = 0; i < 4; i++) {
      const f = hops(
        [
          ['A', 'tap_rx', 0],
          ['A', 'ovs_in', 3 * US],
          ['A', 'ovs_out', 2 * US],
          ['A', 'tap_tx', 4 * US],
        ],
        i * 1e6,
      );
      const r = hops(
        [
          ['A', 'tap_rx', 100 * US],
          ['A', 'ovs_in', 3 * US],
          ['A', 'ovs_out', 2 * US],
          ['A', 'tap_tx', 4 * US],
        ],
        f.end,
      );
      tb.add({ id: BigInt(2 * i + 1), proto: 1, sport: 1, dport: 8 << 8, seq: i, hops: f.hops });
      tb.add({ id: BigInt(2 * i + 2), proto: 1, sport: 1, dport: 0, seq: i, reverse: true, hops: r.hops });
    }
    const m = new PathMatcher({ hosts: ['A'] });
    for (const b of tb.batches()) m.ingest(b, 0);
    const r = m.takeIntervalReport(5000);
    for (const dir of ['forward', 'reverse'] as const) {
      expect(r.directions[dir].segments.map((s) => `${s.from}->${s.to}:${s.kind}:${s.p50_us}`)).toEqual([
        'tap_rx->ovs_in:host:3',
        'ovs_in->ovs_out:host:2',
        'ovs_out->tap_tx:host:4',
      ]);
      expect(r.directions[dir].total).toMatchObject({ count: 4, p50_us: 9, uncertainty_us: 0 });
    }
    expect(r.vm_turnaround).toEqual([expect.objectContaining({ from: 'tap_tx', to: 'tap_rx', count: 4, p50_us: 100 })]);
    expect(r.clock).toEqual([]);
  });

  it('bounded memory: beyond maxPending the oldest are evicted and counted', () => {
    const tb = new TrafficBuilder({ A: BASE_A, B: BASE_B });
    for (let i = 0; i < 40; i++) {
      tb.add({ id: BigInt(i + 1), proto: 17, flowHash: 9, hops: hops(fwdPlan(50 * US), i * 1e6).hops.slice(0, 4) });
    }
    const m = new PathMatcher({ hosts: ['A', 'B'], maxPending: 16 });
    for (const b of tb.batches()) m.ingest(b, 0);
    expect(m.pending).toBe(16);
    expect(m.counters.evicted).toBe(24);
    const r = m.takeIntervalReport(5000);
    expect(r.counters).toMatchObject({ evicted: 24, packets: 40, pending: 0 });
    // evicted packets still contribute what they saw
    expect(seg(r, 'forward', 'tap_rx', 'ovs_in').count).toBe(40);
  });

  it('ignores other probes, unknown hosts; counts batch seq gaps', () => {
    const tb = new TrafficBuilder({ A: BASE_A, B: BASE_B, C: 0n });
    const p: TestPacket = { id: 1n, probeMask: 0b10, hops: hops(fwdPlan(50 * US), 0).hops };
    tb.add(p);
    tb.add({ id: 2n, hops: [{ host: 'C', stage: 'nic_rx', t: 0 }] });
    const m = new PathMatcher({ hosts: ['A', 'B'], probeSlot: 0 });
    for (const b of tb.batches()) m.ingest(b, 0);
    m.ingest({ hostId: 'A', bootId: 'boot-A', seq: 5, records: Buffer.alloc(0) }, 0);
    m.noteLostBatches(2);
    const r = m.takeIntervalReport(10);
    expect(r.counters).toMatchObject({ records_in: 9, records_other_probe: 8, records_unknown_host: 1, packets: 0, lost_batches: 6 });
  });

  it('counts lost batches as the probe lifecycle does (batch-sequence.ts): a late batch takes its loss back, a duplicate is no loss', () => {
    const m = new PathMatcher({ hosts: ['A', 'B'] });
    const batch = (hostId: string, seq: number, bootId = `boot-${hostId}`): RecordBatch => ({ hostId, bootId, seq, records: Buffer.alloc(0) });
    for (const s of [1, 2, 5]) m.ingest(batch('A', s), 0);
    expect(m.counters.lost_batches).toBe(2);
    m.ingest(batch('A', 3), 0);
    m.ingest(batch('A', 3), 0);
    expect(m.counters.lost_batches).toBe(1);
    // B's first batch is its third: 1 and 2 never came (agents count from 1)
    m.ingest(batch('B', 3), 0);
    expect(m.counters.lost_batches).toBe(3);
    // a reboot starts a new sequence, without a reboot's loss
    m.ingest(batch('B', 1, 'boot-B-2'), 0);
    expect(m.takeIntervalReport(10).counters).toMatchObject({ lost_batches: 3, host_reboots: 1, batches: 7 });
  });

  it('wall-clock hints are a fallback offset for one-way traffic, with their own uncertainty', () => {
    const skew = 20_000_000n;
    const tb = new TrafficBuilder({ A: BASE_A, B: BASE_B + skew });
    for (let i = 0; i < 5; i++) tb.add({ id: BigInt(i + 1), proto: 17, flowHash: 3, hops: hops(fwdPlan(50 * US), i * 1e6).hops });
    const m = new PathMatcher({ hosts: ['A', 'B'], hintUncertaintyNs: 1_000_000 });
    // realtime = mono + hint: both hosts' wall clocks agree exactly here
    const real0 = 1_700_000_000_000_000_000n;
    for (const b of tb.batches()) {
      const base = b.hostId === 'A' ? BASE_A : BASE_B + skew;
      m.ingest({ ...b, clockOffsetHintNs: real0 - base }, 0);
    }
    const r = m.takeIntervalReport(5000);
    expect(r.clock).toEqual([
      { hosts: ['A', 'B'], offset_us: Number(BASE_B + skew - BASE_A) / 1000, uncertainty_us: 1000, samples: 0, min_delay_us: null, source: 'hint' },
    ]);
    expect(seg(r, 'forward', 'nic_tx', 'nic_rx')).toMatchObject({ count: 5, p50_us: 50, uncertainty_us: 1000 });
    expect(r.directions.forward.total).toMatchObject({ count: 5, p50_us: 90, uncertainty_us: 1000 });
  });

  it('a host reboot (new boot id) restarts its clock: offsets are re-learned', () => {
    const tb = new TrafficBuilder({ A: BASE_A, B: BASE_B });
    pings(tb, 5);
    const m = new PathMatcher({ hosts: ['A', 'B'] });
    for (const b of tb.batches()) m.ingest(b, 0);
    m.tick(5000);
    expect(m.clockReports()[0]!.offset_us).toBe(Number(BASE_B - BASE_A) / 1000);
    const tb2 = new TrafficBuilder({ A: BASE_A, B: 5_000_000n });
    pings(tb2, 5, { idBase: 9000n });
    for (const b of tb2.batches()) m.ingest({ ...b, bootId: b.hostId === 'B' ? 'boot-B-2' : b.bootId, seq: 1 }, 6000);
    const r = m.takeIntervalReport(12000);
    expect(r.counters.host_reboots).toBe(1);
    expect(r.clock[0]!.offset_us).toBe(Number(5_000_000n - BASE_A) / 1000);
    expect(seg(r, 'forward', 'nic_tx', 'nic_rx')).toMatchObject({ p50_us: 50, max_us: 50 });
  });

  it('UDP request/reply streamed in 50 ms batches across the settle time: turnaround is the server\'s, never the client\'s think time', () => {
    // 100 requests/s, 300 µs server turnaround, 9.6 ms think time. As in `pair`: the path is
    // seeded from the agents' attached stages when the probe starts, traffic starts 1.5 s
    // later, before the seeded path has settled (2 s): packets that complete while settling
    // wait for it, next to later ones that finalize at once (the old flow heuristic learned
    // the roles backwards from such an overtaking reply)
    const tb = new TrafficBuilder({ A: BASE_A, B: BASE_B });
    const n = 400;
    // 200 µs before each 10 ms mark: every 5th exchange straddles a batch cut (request before, reply after)
    udpExchanges(tb, n, 1_499_800_000, 10_000_000, 5000n);
    // cut each host's records into 50 ms batches (by true time), delivered 5 ms (A) / 30 ms (B) after the cut
    const arrivals = cutIntoBatches(tb, { windowMs: 50, arrival: (host, k) => k * 50 + (host === 'A' ? 5 : 30) });
    const stages = ['tap_rx', 'ovs_in', 'ovs_out', 'nic_tx', 'nic_rx', 'tap_tx'];
    const m = new PathMatcher({ hosts: ['A', 'B'], timeoutMs: 2000, servicePort: 7000, expectedStages: { A: stages, B: stages } });
    for (const a of arrivals) m.ingest(a.batch, a.atMs);
    const r = m.finish(12_000);
    const turn = r.vm_turnaround.find((x) => x.from_host === 'B');
    expect(turn, JSON.stringify(r.vm_turnaround)).toMatchObject({ from: 'tap_tx', to: 'tap_rx', count: n, p50_us: 300, max_us: 300 });
    expect(r.vm_turnaround.filter((x) => x.from_host === 'A')).toEqual([]); // no "turnaround" of the client
    expect(r.counters).toMatchObject({ packets: 2 * n, matched: 2 * n, pairs: n, expired_incomplete: 0 });
  });

  it('UDP pairing waits for the hosts\' batch cuts, not only controller time: a controller that stalled 1.3 s with batches queued still pairs every exchange', () => {
    // 10 exchanges from 100 ms, every 20 ms. Each host cuts a batch every 100 ms of its own clock,
    // delivered 20 ms later; a request's records on the client host A wait 200 ms longer (its
    // CPU's BPF batch was flushed late). The controller stalls after 400 ms: what arrives later is
    // ingested 1.3 s late, so at its first tick every reply has been held past the 1 s hold while
    // the batches with the requests' A records still wait in its queue.
    const tb = new TrafficBuilder({ A: BASE_A, B: BASE_B });
    const n = 10;
    udpExchanges(tb, n, 100_000_000, 20_000_000, 7000n);
    const arrivals = cutIntoBatches(tb, {
      windowMs: 100,
      batches: 15,
      cuts: true,
      batchOf: (rec, host, window) => window + 1 + (host === 'A' && rec.readUInt16LE(RecordOffset.dport) === 7000 ? 2 : 0),
      arrival: (_host, k) => (k * 100 + 20 > 400 ? k * 100 + 20 + 1300 : k * 100 + 20),
    });
    const stages = ['tap_rx', 'ovs_in', 'ovs_out', 'nic_tx', 'nic_rx', 'tap_tx'];
    const pairs = (withCuts: boolean): number => {
      const m = new PathMatcher({ hosts: ['A', 'B'], timeoutMs: 2000, servicePort: 7000, settleMs: 0, expectedStages: { A: stages, B: stages } });
      for (const a of arrivals) m.ingest(withCuts ? a.batch : { ...a.batch, cutMonoNs: undefined }, a.atMs);
      const r = m.finish(10_000);
      expect(r.counters).toMatchObject({ packets: 2 * n, matched: 2 * n });
      return r.counters.pairs;
    };
    expect(pairs(true)).toBe(n);
    expect(pairs(false)).toBe(0); // the hold alone: every reply settled before its request arrived
  });

  it('settles once every host has cut batches past the growth (cut times given): the first second already has packets', () => {
    // pings every 10 ms from 100 ms; each host cuts a batch every 100 ms of its own clock,
    // delivered 20 ms later; the path is seeded from the agents' stages at 0
    const tb = new TrafficBuilder({ A: BASE_A, B: BASE_B });
    for (let i = 0; i < 150; i++) {
      const f = hops(fwdPlan(50 * US), 100_000_000 + i * 10_000_000);
      const r = hops(revPlan(200 * US, 50 * US), f.end);
      tb.add({ id: 9000n + BigInt(2 * i), proto: 1, sport: 77, dport: 8 << 8, seq: i, hops: f.hops });
      tb.add({ id: 9000n + BigInt(2 * i + 1), proto: 1, sport: 77, dport: 0, seq: i, reverse: true, hops: r.hops });
    }
    const arrivals = cutIntoBatches(tb, { windowMs: 100, batches: 20, cuts: true, arrival: (_host, k) => k * 100 + 20 });
    const stages = ['tap_rx', 'ovs_in', 'ovs_out', 'nic_tx', 'nic_rx', 'tap_tx'];
    const firstSecond = (withCuts: boolean): number => {
      const m = new PathMatcher({ hosts: ['A', 'B'], timeoutMs: 2000, expectedStages: { A: stages, B: stages } });
      for (const a of arrivals) if (a.atMs <= 1000) m.ingest(withCuts ? a.batch : { ...a.batch, cutMonoNs: undefined }, a.atMs);
      return m.takeIntervalReport(1000).counters.matched;
    };
    // the hosts' first cuts arrive at 120 ms, three more 350 ms later: packets sent by ~500 ms are in
    expect(firstSecond(true)).toBeGreaterThanOrEqual(2 * 55);
    expect(firstSecond(false)).toBe(0); // without cut times: after settleMs (2 s)
  });
});

