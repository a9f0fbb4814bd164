/** What every alert sink offers, and the outcome of one delivery. */
import type { AlertEvent } from '../alert-evaluator.js';

export interface DeliveryResult {
  sink: string;
  ok: boolean;
  attempts: number;
  /** HTTP status of the last attempt (webhook) */
  status?: number;
  /** exit code (exec); null when killed by a signal */
  exitCode?: number | null;
  error?: string;
  ms: number;
}

export interface AlertSink {
  /** e.g. `webhook:http://…`, `exec:cmd`, `nats:subject` */
  readonly id: string;
  deliver(ev: AlertEvent): Promise<DeliveryResult>;
}
