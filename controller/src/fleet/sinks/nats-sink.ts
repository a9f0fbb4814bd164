/** NATS: publish the event JSON on a subject (flushed, so the server has it when this resolves). */
import type { NatsConnection } from 'nats';
import { errorMessage } from '@xtrace/proto';
import type { AlertEvent } from '../alert-evaluator.js';
import type { AlertSink, DeliveryResult } from './alert-sink.js';

export class NatsSink implements AlertSink {
  readonly id: string;
  constructor(
    private readonly nc: NatsConnection,
    private readonly subject: string,
  ) {
    this.id = `nats:${subject}`;
  }

  async deliver(ev: AlertEvent): Promise<DeliveryResult> {
    const t0 = Date.now();
    try {
      this.nc.publish(this.subject, JSON.stringify(ev));
      await this.nc.flush();
      return { sink: this.id, ok: true, attempts: 1, ms: Date.now() - t0 };
    } catch (e: unknown) {
      return { sink: this.id, ok: false, attempts: 1, error: errorMessage(e), ms: Date.now() - t0 };
    }
  }
}
