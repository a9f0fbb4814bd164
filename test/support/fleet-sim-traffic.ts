/**
 * Generated request/reply traffic for the fleet simulator's fake tracers, with no link between
 * the two ends of a pair but the clock: exchange k of every probed pair happens at
 * CLOCK_MONOTONIC k * periodNs (one clock for every process on this machine), so the source
 * host and the destination host, each in whichever simulator process, emit their halves of the
 * same exchanges with the same packet ids and timestamps, as pair-traffic.ts does for two
 * tracers in one process (same path: tap_rx -> nic_tx -> wire -> nic_rx -> tap_tx, and back).
 *
 * Each side emits the exchanges from the first grid point after its filter was added until it
 * was removed, and keeps that range (SideRange): the exchanges only one side emitted (the two
 * ends start and stop a few ms apart) are the only ones the matcher can see incomplete, so a
 * probe's loss is explained exactly by comparing the two sides' ranges (expectedOfProbe).
 */
import { encodeRecords, RecordFlag, Stage, type DecodedRecord } from '@xtrace/proto';
import type { FakeTracer, ProbeFilter } from '@xtrace/node-agent';
import { exchangeTimeline } from './pair-traffic.js';

export type Role = 'src' | 'dst';

/** The exchanges one side of one probe emitted: k from firstK to lastK (lastK < firstK: none). */
export interface SideRange {
  host: string;
  src: string;
  dst: string;
  role: Role;
  firstK: number;
  lastK: number;
  records: number;
  /** still emitting (the filter is in place) */
  active: boolean;
}

interface Emitting {
  filter: ProbeFilter;
  range: SideRange;
  nextK: number;
}

/** 32-bit FNV-1a of the pair: the flow hash both sides put on the pair's records */
function flowHashOf(src: string, dst: string): number {
  let h = 0x811c9dc5;
  for (const c of `${src}>${dst}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

const RECORDS_PER_SIDE = 4;

/** Emits one host's side of every probe its tracer filters, every tickMs; keeps each side's range. */
export class SimTraffic {
  private readonly emitting = new Map<number, Emitting>();
  /** ranges of filters that were removed */
  readonly done: SideRange[] = [];

  constructor(
    readonly host: string,
    private readonly tracer: FakeTracer,
    private readonly vmAddresses: ReadonlySet<string>,
    private readonly periodNs: bigint,
  ) {}

  /** emits the exchanges due since the last call (the owner calls it every few tens of ms) */
  tick(nowNs: bigint = process.hrtime.bigint()): void {
    // filters added since the last tick: start at the next grid point
    for (const [slot, f] of this.tracer.filters) {
      const cur = this.emitting.get(slot);
      if (cur?.filter === f) continue;
      if (cur) this.finish(slot, cur);
      const role: Role | undefined = this.vmAddresses.has(f.src) ? 'src' : this.vmAddresses.has(f.dst) ? 'dst' : undefined;
      if (role === undefined || (this.vmAddresses.has(f.src) && this.vmAddresses.has(f.dst))) continue;
      const firstK = Number(nowNs / this.periodNs) + 1;
      this.emitting.set(slot, { filter: f, nextK: firstK, range: { host: this.host, src: f.src, dst: f.dst, role, firstK, lastK: firstK - 1, records: 0, active: true } });
    }
    for (const [slot, e] of this.emitting) {
      if (this.tracer.filters.get(slot) !== e.filter) {
        this.finish(slot, e);
        continue;
      }
      const upto = Number(nowNs / this.periodNs);
      if (upto < e.nextK) continue;
      this.tracer.emit(encodeRecords(this.records(e, e.nextK, upto)));
      e.range.records += (upto - e.nextK + 1) * RECORDS_PER_SIDE;
      e.range.lastK = upto;
      e.nextK = upto + 1;
    }
  }

  /** every side's range so far, finished ones and running ones */
  ranges(): SideRange[] {
    return [...this.done, ...[...this.emitting.values()].map((e) => ({ ...e.range }))];
  }

  private finish(slot: number, e: Emitting): void {
    this.emitting.delete(slot);
    e.range.active = false;
    this.done.push(e.range);
  }

  private records(e: Emitting, fromK: number, toK: number): Partial<DecodedRecord>[] {
    const mask = 1 << e.filter.slot;
    const flowHash = flowHashOf(e.filter.src, e.filter.dst);
    const out: Partial<DecodedRecord>[] = [];
    for (let k = fromK; k <= toK; k++) {
      const common = (reverse: boolean): Partial<DecodedRecord> => ({
        proto: 1,
        sport: 0x42,
        dport: reverse ? 0 : 8 << 8,
        seq: k >>> 0,
        flowHash,
        len: 84,
        hook: 1,
        flags: reverse ? RecordFlag.reverse : 0,
        probeMask: mask,
      });
      const t0 = BigInt(k) * this.periodNs;
      const { req, rep, tAtx, tBrx, tBtap, tBrepRx, tBtx, tArx, tAtap } = exchangeTimeline(k, t0);
      if (e.range.role === 'src') {
        out.push(
          { ...common(false), pktId: req, stage: Stage.tap_rx, tsNs: t0 },
          { ...common(false), pktId: req, stage: Stage.nic_tx, tsNs: tAtx },
          { ...common(true), pktId: rep, stage: Stage.nic_rx, tsNs: tArx },
          { ...common(true), pktId: rep, stage: Stage.tap_tx, tsNs: tAtap },
        );
      } else {
        out.push(
          { ...common(false), pktId: req, stage: Stage.nic_rx, tsNs: tBrx },
          { ...common(false), pktId: req, stage: Stage.tap_tx, tsNs: tBtap },
          { ...common(true), pktId: rep, stage: Stage.tap_rx, tsNs: tBrepRx },
          { ...common(true), pktId: rep, stage: Stage.nic_tx, tsNs: tBtx },
        );
      }
    }
    return out;
  }
}

/** What the matcher should see of a probe, from its two sides' ranges. */
export interface ProbeExpectation {
  /** records both sides emitted */
  records: number;
  /** exchanges both sides emitted: their request and reply are complete packets */
  completeExchanges: number;
  /** exchanges only one side emitted (start/stop edges): incomplete packets, 2 per exchange */
  edgeExchanges: number;
}

export function expectedOfProbe(src: SideRange, dst: SideRange): ProbeExpectation {
  const n = (r: SideRange): number => Math.max(0, r.lastK - r.firstK + 1);
  const overlap = Math.max(0, Math.min(src.lastK, dst.lastK) - Math.max(src.firstK, dst.firstK) + 1);
  return { records: src.records + dst.records, completeExchanges: overlap, edgeExchanges: n(src) + n(dst) - 2 * overlap };
}
