/** HTTP webhook: POST the event as JSON, with a timeout and retries with exponential backoff. */
import { errorMessage } from '@xtrace/proto';
import type { AlertEvent } from '../alert-evaluator.js';
import type { AlertSink, DeliveryResult } from './alert-sink.js';

interface WebhookOptions {
  url: string;
  /** per attempt, default 5 s */
  timeoutMs?: number;
  /** retries after the first attempt, default 3 */
  retries?: number;
  /** first backoff, doubled each retry (capped at 30 s), default 500 ms */
  backoffMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class WebhookSink implements AlertSink {
  readonly id: string;
  constructor(private readonly o: WebhookOptions) {
    this.id = `webhook:${o.url}`;
  }

  async deliver(ev: AlertEvent): Promise<DeliveryResult> {
    const t0 = Date.now();
    const retries = this.o.retries ?? 3;
    const body = JSON.stringify(ev);
    let last: { status?: number; error?: string } = {};
    for (let attempt = 1; attempt <= retries + 1; attempt++) {
      if (attempt > 1) await sleep(Math.min(30_000, (this.o.backoffMs ?? 500) * 2 ** (attempt - 2)));
      try {
        const res = await fetch(this.o.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'xtrace-alerts' },
          body,
          signal: AbortSignal.timeout(this.o.timeoutMs ?? 5000),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return { sink: this.id, ok: true, attempts: attempt, status: res.status, ms: Date.now() - t0 };
        last = { status: res.status, error: `HTTP ${res.status}` };
        // client errors other than 408/429 will not get better by retrying
        if (res.status < 500 && res.status !== 408 && res.status !== 429) {
          return { sink: this.id, ok: false, attempts: attempt, status: res.status, error: last.error, ms: Date.now() - t0 };
        }
      } catch (e: unknown) {
        last = { error: errorMessage(e) };
      }
    }
    const r: DeliveryResult = { sink: this.id, ok: false, attempts: retries + 1, ms: Date.now() - t0 };
    if (last.status !== undefined) r.status = last.status;
    if (last.error !== undefined) r.error = last.error;
    return r;
  }
}
