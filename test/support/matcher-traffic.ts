/**
 * Builds record batches with known timestamps for tests and the benchmark: a packet is a
 * list of (host, stage, true time) hops; each host stamps with its own clock
 * (true time + that host's offset), as CLOCK_MONOTONIC on different machines would.
 * Not used by the matcher itself.
 */
import { encodeRecord, RECORD_SIZE, RecordFlag, Stage, type DecodedRecord, type StageName } from '@xtrace/proto';
import type { RecordBatch } from '@xtrace/controller/analysis';

export interface Hop {
  host: string;
  stage: StageName;
  /** true time, ns */
  t: number;
}

export interface TestPacket {
  id: bigint;
  reverse?: boolean;
  proto?: number;
  sport?: number;
  dport?: number;
  seq?: number;
  flowHash?: number;
  probeMask?: number;
  hops: Hop[];
  drop?: { host: string; t: number; reason: number; location?: bigint };
}

export class TrafficBuilder {
  private readonly perHost = new Map<string, Partial<DecodedRecord>[]>();
  private readonly seqs = new Map<string, number>();

  /** clocks: host -> offset of its CLOCK_MONOTONIC from true time, ns (bigint: may exceed 2^53) */
  constructor(private readonly clocks: Record<string, bigint>) {}

  add(p: TestPacket): this {
    const common: Partial<DecodedRecord> = {
      pktId: p.id,
      flags: p.reverse ? RecordFlag.reverse : 0,
      proto: p.proto ?? 1,
      sport: p.sport ?? 0,
      dport: p.dport ?? 0,
      seq: p.seq ?? 0,
      flowHash: p.flowHash ?? 0x1234,
      probeMask: p.probeMask ?? 1,
      len: 84,
    };
    for (const hop of p.hops) {
      this.list(hop.host).push({ ...common, stage: Stage[hop.stage], tsNs: this.clock(hop.host, hop.t), hook: 1 });
    }
    if (p.drop) {
      this.list(p.drop.host).push({
        ...common,
        stage: Stage.drop,
        tsNs: this.clock(p.drop.host, p.drop.t),
        dropReason: p.drop.reason,
        dropLocation: p.drop.location ?? 0xffffffff81234567n,
      });
    }
    return this;
  }

  /** One batch per host with its records in time order (then cleared). */
  batches(): RecordBatch[] {
    const out: RecordBatch[] = [];
    for (const [host, recs] of this.perHost) {
      recs.sort((a, b) => (a.tsNs! < b.tsNs! ? -1 : a.tsNs! > b.tsNs! ? 1 : 0));
      const buf = Buffer.alloc(recs.length * RECORD_SIZE);
      recs.forEach((r, i) => encodeRecord(buf, i, r));
      const seq = this.seqs.get(host) ?? 0;
      this.seqs.set(host, seq + 1);
      out.push({ hostId: host, bootId: `boot-${host}`, seq, records: buf });
    }
    this.perHost.clear();
    return out;
  }

  private clock(host: string, t: number): bigint {
    const off = this.clocks[host];
    if (off === undefined) throw new RangeError(`no clock for ${host}`);
    return off + BigInt(Math.round(t));
  }

  private list(host: string): Partial<DecodedRecord>[] {
    let l = this.perHost.get(host);
    if (!l) {
      l = [];
      this.perHost.set(host, l);
    }
    return l;
  }
}

/** forward hops A -> B with per-segment delays (ns) starting at t; returns hops and end time */
export function hops(
  plan: [host: string, stage: StageName, delayBefore: number][],
  t0: number,
): { hops: Hop[]; end: number } {
  let t = t0;
  const out: Hop[] = [];
  for (const [host, stage, delay] of plan) {
    t += delay;
    out.push({ host, stage, t });
  }
  return { hops: out, end: t };
}
