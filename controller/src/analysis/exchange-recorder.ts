/**
 * Where request/reply pairing's results go (the pairer's ExchangeSink,
 * request-reply-pairing.ts): each exchange's NTP samples feed the host-pair clocks, and a
 * pair's first offset corrects the wire crossings waiting for it; a settled exchange gives the
 * VM turnaround at the request's destination host and the round trip at its origin.
 */
import type { AnalysisCounters } from '@xtrace/proto';
import type { HostPairClocks } from './host-pair-clocks.js';
import type { OpenInterval } from './open-interval.js';
import type { PathModel } from './path-model.js';
import type { PendingWireSegments } from './pending-wire-segments.js';
import type { ExchangePacket, ExchangeSink } from './request-reply-pairing.js';
import { segmentKey } from './segment-key.js';
import { acc } from './stats-window.js';

export class ExchangeRecorder implements ExchangeSink {
  constructor(
    private readonly model: PathModel,
    private readonly clocks: HostPairClocks,
    private readonly wires: PendingWireSegments,
    private readonly interval: OpenInterval,
    private readonly counters: AnalysisCounters,
  ) {}

  /** NTP-style clock samples of a request and its reply, one per crossing of the request's path. */
  clockSample(req: ExchangePacket, rep: ExchangePacket): void {
    const order = this.model.directions[req.dir as 0 | 1].hostOrder;
    for (let i = 0; i + 1 < order.length; i++) {
      const pairKey = this.clocks.addCrossing(req, rep, order[i]!, order[i + 1]!);
      if (pairKey >= 0 && this.wires.has(pairKey)) this.resolveWaiting(pairKey, false);
    }
  }

  exchange(req: ExchangePacket, rep: ExchangePacket): void {
    this.counters.pairs++;
    const width = this.model.width;
    const win = this.interval.window;
    const dest = req.dest;
    win.vm.recordExchange(dest, req.vmIn, rep.vmOut);
    if (req.lastPos[dest]! >= 0 && rep.firstPos[dest]! >= 0) {
      const v = rep.first[dest]! - req.last[dest]!;
      if (v >= 0) acc(win.turnaround, segmentKey(req.dir, req.lastPos[dest]!, rep.firstPos[dest]!, width)).hist.record(v);
    }
    const origin = req.origin;
    if (req.firstPos[origin]! >= 0 && rep.lastPos[origin]! >= 0 && origin !== dest) {
      const v = rep.last[origin]! - req.first[origin]!;
      if (v >= 0) acc(win.rtt, segmentKey(req.dir, req.firstPos[origin]!, rep.lastPos[origin]!, width)).hist.record(v);
    }
  }

  /** Before a report: crossings of host pairs that no exchange gave an offset take the wall-clock hint's, if both hosts sent one. */
  resolveWaitingWithHints(): void {
    for (const pairKey of this.wires.pairKeys()) this.resolveWaiting(pairKey, true);
  }

  private resolveWaiting(pairKey: number, fromHint: boolean): void {
    const low = this.clocks.lowHostOf(pairKey);
    const high = this.clocks.highHostOf(pairKey);
    const c = fromHint ? this.clocks.hintOffset(low, high) : this.clocks.offset(low, high);
    if (c) this.wires.resolve(pairKey, low, c, this.interval.window, this.counters);
  }
}
