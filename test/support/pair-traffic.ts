/**
 * Constructed ICMP echo traffic between a VM on host A and a VM on host B, fed into two
 * FakeTracers with known per-stage delays, so every number xtrace prints has a ground
 * truth. Timestamps are true CLOCK_MONOTONIC; a skewed host gets its skew from its agent
 * (clockSkewNs / XTRACE_CLOCK_SKEW_NS), as a different hypervisor clock would.
 */
import { RecordFlag, Stage, encodeRecords, type DecodedRecord } from '@xtrace/proto';
import type { FakeTracer } from '@xtrace/node-agent';

/** one-way delays of the constructed path, ns */
export const PAIR_DELAYS = {
  /** A.tap_rx -> A.nic_tx and B.tap_rx -> B.nic_tx */
  senderHostNs: 20_000,
  /** nic_tx -> nic_rx, both ways (symmetric, so the NTP-style offset is exact) */
  wireNs: 100_000,
  /** B.nic_rx -> B.tap_tx and A.nic_rx -> A.tap_tx */
  receiverHostNs: 30_000,
  /** B.tap_tx (request) -> B.tap_rx (reply) */
  turnaroundNs: 50_000,
};

/** The stage times (ns) of exchange `k` (request id 2k, reply 2k+1) that starts at `t0` on PAIR_DELAYS' path. */
export function exchangeTimeline(k: number, t0: bigint): { req: bigint; rep: bigint; tAtx: bigint; tBrx: bigint; tBtap: bigint; tBrepRx: bigint; tBtx: bigint; tArx: bigint; tAtap: bigint } {
  const d = PAIR_DELAYS;
  const req = BigInt(k) * 2n;
  const rep = req + 1n;
  const tAtx = t0 + BigInt(d.senderHostNs);
  const tBrx = tAtx + BigInt(d.wireNs);
  const tBtap = tBrx + BigInt(d.receiverHostNs);
  const tBrepRx = tBtap + BigInt(d.turnaroundNs);
  const tBtx = tBrepRx + BigInt(d.senderHostNs);
  const tArx = tBtx + BigInt(d.wireNs);
  const tAtap = tArx + BigInt(d.receiverHostNs);
  return { req, rep, tAtx, tBrx, tBtap, tBrepRx, tBtx, tArx, tAtap };
}

export interface PairTrafficOptions {
  a: FakeTracer;
  b: FakeTracer;
  src: string;
  dst: string;
  /** one exchange every periodMs */
  periodMs?: number;
}

/** The probe_mask BPF would write: the slot bit of EVERY probe filtering src->dst, so overlapping probes all see the traffic. */
function maskFor(t: FakeTracer, src: string, dst: string): number {
  let mask = 0;
  for (const f of t.filters.values()) if (f.src === src && f.dst === dst) mask |= 1 << f.slot;
  return mask;
}

/** Emits exchanges while both tracers have a filter for src->dst. Returns a stop function and the count sent. */
export function startPairTraffic(o: PairTrafficOptions): { stop(): void; sent(): number } {
  let k = 0;
  const timer = setInterval(() => {
    const ma = maskFor(o.a, o.src, o.dst);
    const mb = maskFor(o.b, o.src, o.dst);
    if (ma === 0 || mb === 0) return;
    k++;
    const t0 = process.hrtime.bigint() - 5_000_000n; // a few ms in the past
    const common = (reverse: boolean): Partial<DecodedRecord> => ({
      proto: 1,
      sport: 0x42,
      dport: reverse ? 0 : 8 << 8,
      seq: k,
      flowHash: 0xabcdef,
      len: 84,
      hook: 1,
      flags: reverse ? RecordFlag.reverse : 0,
    });
    const { req, rep, tAtx, tBrx, tBtap, tBrepRx, tBtx, tArx, tAtap } = exchangeTimeline(k, t0);
    o.a.emit(
      encodeRecords([
        { ...common(false), pktId: req, stage: Stage.tap_rx, tsNs: t0, probeMask: ma },
        { ...common(false), pktId: req, stage: Stage.nic_tx, tsNs: tAtx, probeMask: ma },
        { ...common(true), pktId: rep, stage: Stage.nic_rx, tsNs: tArx, probeMask: ma },
        { ...common(true), pktId: rep, stage: Stage.tap_tx, tsNs: tAtap, probeMask: ma },
      ]),
    );
    o.b.emit(
      encodeRecords([
        { ...common(false), pktId: req, stage: Stage.nic_rx, tsNs: tBrx, probeMask: mb },
        { ...common(false), pktId: req, stage: Stage.tap_tx, tsNs: tBtap, probeMask: mb },
        { ...common(true), pktId: rep, stage: Stage.tap_rx, tsNs: tBrepRx, probeMask: mb },
        { ...common(true), pktId: rep, stage: Stage.nic_tx, tsNs: tBtx, probeMask: mb },
      ]),
    );
  }, o.periodMs ?? 10);
  return { stop: () => clearInterval(timer), sent: () => k };
}
