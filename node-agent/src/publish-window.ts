/**
 * A bound on the event bytes the agent has handed to NATS that the server has not yet confirmed.
 *
 * nats.js writes every publish into the socket at once, and node queues what the socket cannot
 * take in memory without limit. A nats-server that stalls or a link slower than the event rate
 * (a busy hypervisor's uplink) then grows the agent by the event rate, ~100 MB/s at 1 M
 * records/s, until the host kills it (test/integration/publish-backlog.test.ts). The window
 * keeps the unconfirmed bytes under `maxBytes`: the publisher asks `admits` first and drops,
 * counted, what does not fit. Confirmation is a flush (PING/PONG), one in flight at a time,
 * sent once a quarter of the window is out: its PONG says the server has read everything
 * published before it.
 */
import type { NatsConnection } from 'nats';

export class PublishWindow {
  private unconfirmed = 0;
  private confirming = false;

  constructor(
    private readonly nc: Pick<NatsConnection, 'flush'>,
    readonly maxBytes: number,
  ) {}

  /** bytes published that the server has not confirmed yet */
  get unconfirmedBytes(): number {
    return this.unconfirmed;
  }

  /** Whether `bytes` more may go out now (always, when nothing is out: one envelope larger than the window still goes). */
  admits(bytes: number): boolean {
    return this.unconfirmed === 0 || this.unconfirmed + bytes <= this.maxBytes;
  }

  /** Counts `bytes` just published, and asks the server to confirm once enough is out. */
  published(bytes: number): void {
    this.unconfirmed += bytes;
    this.confirm();
  }

  private confirm(): void {
    if (this.confirming || this.unconfirmed < this.maxBytes / 4) return;
    this.confirming = true;
    const before = this.unconfirmed;
    // rejected: the connection closed or was lost; nats.js's reconnect buffer (bounded) holds what is not yet written
    const done = (): void => {
      this.unconfirmed -= before;
      this.confirming = false;
      this.confirm();
    };
    this.nc.flush().then(done, done);
  }
}
