/**
 * A probe's subscription to its event batches, made before any agent can publish: batches
 * that arrive while the probe is still starting wait here, in order, until deliverTo().
 */
import type { NatsConnection, Subscription } from 'nats';
import type pino from 'pino';
import { Subjects } from '@xtrace/proto';

type BatchHandler = (subject: string, data: Uint8Array) => void;

export class ProbeSubscription {
  private readonly sub: Subscription;
  private readonly pending: { subject: string; data: Uint8Array }[] = [];
  private handler: BatchHandler | undefined;

  constructor(nc: NatsConnection, probeId: string, log: pino.Logger) {
    this.sub = nc.subscribe(Subjects.eventsOfProbe(probeId), {
      callback: (err, msg) => {
        if (err) {
          log.error({ err }, 'event subscription failed');
          return;
        }
        if (this.handler) this.handler(msg.subject, msg.data);
        else this.pending.push({ subject: msg.subject, data: msg.data });
      },
    });
  }

  /** Hands the waiting batches to `handler`, then every later one as it comes. */
  deliverTo(handler: BatchHandler): void {
    this.handler = handler;
    for (const b of this.pending.splice(0)) handler(b.subject, b.data);
  }

  unsubscribe(): void {
    this.sub.unsubscribe();
  }
}
