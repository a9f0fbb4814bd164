/**
 * A bound on the event bytes the agent has handed to NATS that the server has not yet confirmed.
 *
 * nats.js writes every publish into the socket at once, and node queues what the socket cannot
 * take in memory without limit. A nats-server that stalls or a link slower than the event rate
 * (a busy hypervisor's uplink) then grows the agent by the event rate, ~64 MB/s at 1 M
 * records/s, until the host kills it (test/integration/publish-backlog.test.ts). The window
 * keeps the unconfirmed bytes under `maxBytes`: the publisher asks `admits` first and drops,
 * counted, what does not fit. Confirmation is a flush (PING/PONG) sent every eighth of the
 * window, several in flight, and after any publish while none is in flight (so the last bytes
 * of a burst are confirmed too): each PONG says the server has read everything published before
 * its PING. (One flush at a time, sent at a quarter of the window, confirmed too late: at
 * 3 M records/s a 32 MiB window then dropped batches a consumer kept up with; test/bench/README.md.)
 */
import type { NatsConnection } from 'nats';

/** a confirmation (flush) is sent for every this much of the window published: several are in flight at once */
const CONFIRM_STEPS = 8;

export class PublishWindow {
  /** bytes published since the window was made */
  private published = 0;
  /** bytes the server has confirmed (or that a lost connection discarded) */
  private confirmed = 0;
  /** `published` when the last confirmation was asked for */
  private askedAt = 0;
  /** confirmations asked for and not answered yet */
  private inFlight = 0;

  constructor(
    private readonly nc: Pick<NatsConnection, 'flush'>,
    readonly maxBytes: number,
  ) {}

  /** bytes published that the server has not confirmed yet */
  get unconfirmedBytes(): number {
    return this.published - this.confirmed;
  }

  /** Whether `bytes` more may go out now (always, when nothing is out: one envelope larger than the window still goes). */
  admits(bytes: number): boolean {
    const out = this.unconfirmedBytes;
    return out === 0 || out + bytes <= this.maxBytes;
  }

  /**
   * Counts `bytes` just published; every maxBytes/CONFIRM_STEPS, or when no flush is in
   * flight, a flush asks the server to confirm all before it. Its PONG (nats.js answers flushes
   * first in, first out) confirms up to its mark; a rejection (the connection was lost: nats.js discards what it had
   * not written) releases it too.
   */
  noteSent(bytes: number): void {
    this.published += bytes;
    if (this.inFlight > 0 && this.published - this.askedAt < this.maxBytes / CONFIRM_STEPS) return;
    const mark = this.published;
    this.askedAt = mark;
    this.inFlight++;
    const done = (): void => {
      this.inFlight--;
      this.confirmed = Math.max(this.confirmed, mark);
    };
    this.nc.flush().then(done, done);
  }
}
