/**
 * How far past a time a host's batch cuts must reach before everything it recorded until then
 * has arrived: a record's wait on its host (below: 300 ms at the default flush interval) and a margin.
 * Also the request/reply pairing's watermark (path-matcher.ts).
 */
export const HOST_CUT_MARGIN_NS = 350e6;

/**
 * Whether every host has sent what it recorded before the expected set last grew: the early
 * way for the set to settle (expected-path.ts), instead of waiting settleMs of controller time.
 *
 * A record waits on its host less than 2 flush intervals in its CPU's BPF batch, then less than
 * one in the agent's outbox (native/src/addon/ring-buffer.cc, node-agent/src/batch-publisher.ts:
 * 300 ms at the default 100 ms). The set grew because of some batch; once each host has cut
 * `minCuts` more batches spanning at least `minSpanNs` of its own clock (350 ms: that wait and
 * a margin; 500 ms missed the first 1 s interval in 1 of 3 rounds at load 14) after its newest cut at that moment (or, for a host that had sent nothing yet,
 * after its first), any stage those hosts would still show for the packets seen so far has
 * arrived. A host whose agent runs late cuts later, so it settles later by itself: nothing here
 * is controller wall time.
 */
export class HostCatchUp {
  /** per host: its newest batch cut (envelope clock.monoNs, ns) and how many it cut */
  private readonly lastCutNs: Float64Array;
  private readonly cuts: Uint32Array;
  /** per host: its newest cut and count when the set last grew (NaN: none yet) */
  private readonly refCutNs: Float64Array;
  private readonly refCuts: Uint32Array;
  private readonly caughtUp: Uint8Array;
  private caughtUpHosts = 0;

  constructor(
    private readonly hostCount: number,
    private readonly minCuts = 3,
    private readonly minSpanNs = HOST_CUT_MARGIN_NS,
  ) {
    this.lastCutNs = new Float64Array(hostCount).fill(NaN);
    this.cuts = new Uint32Array(hostCount);
    this.refCutNs = new Float64Array(hostCount).fill(NaN);
    this.refCuts = new Uint32Array(hostCount);
    this.caughtUp = new Uint8Array(hostCount);
  }

  /** Every host has caught up with the set's last growth. */
  get done(): boolean {
    return this.caughtUpHosts === this.hostCount;
  }

  /** The expected set grew: every host must catch up again, from its newest cut. */
  restart(): void {
    this.refCutNs.set(this.lastCutNs);
    this.refCuts.set(this.cuts);
    this.caughtUp.fill(0);
    this.caughtUpHosts = 0;
  }

  /** Host `h` cut a batch at `cutNs` of its own monotonic clock. */
  cut(h: number, cutNs: number): void {
    // a restarted host (new boot, clock from 0): its cuts count from here
    if (cutNs < this.lastCutNs[h]!) this.refCutNs[h] = NaN;
    this.lastCutNs[h] = cutNs;
    this.cuts[h]!++;
    if (this.refCutNs[h] !== this.refCutNs[h]) {
      this.refCutNs[h] = cutNs;
      this.refCuts[h] = this.cuts[h]!;
      return;
    }
    if (this.caughtUp[h] === 0 && this.cuts[h]! - this.refCuts[h]! >= this.minCuts && cutNs - this.refCutNs[h]! >= this.minSpanNs) {
      this.caughtUp[h] = 1;
      this.caughtUpHosts++;
    }
  }
}
