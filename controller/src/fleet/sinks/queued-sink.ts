/**
 * Puts a bounded queue in front of a sink so that evaluation never waits for delivery: events
 * are delivered one at a time in order; when the queue is full new events are dropped and
 * counted.
 */
import { errorMessage } from '@xtrace/proto';
import type { AlertEvent } from '../alert-evaluator.js';
import type { AlertSink, DeliveryResult } from './alert-sink.js';

export interface QueuedSinkStats {
  queued: number;
  delivered: number;
  failed: number;
  dropped: number;
}

export class QueuedSink {
  private readonly queue: AlertEvent[] = [];
  private busy = false;
  private idleWaiters: (() => void)[] = [];
  readonly stats: QueuedSinkStats = { queued: 0, delivered: 0, failed: 0, dropped: 0 };

  constructor(
    readonly sink: AlertSink,
    private readonly capacity = 100,
    private readonly onResult?: (r: DeliveryResult, ev: AlertEvent) => void,
  ) {}

  /** Non-blocking; false when the event was dropped because the queue is full. */
  enqueue(ev: AlertEvent): boolean {
    if (this.queue.length >= this.capacity) {
      this.stats.dropped++;
      return false;
    }
    this.queue.push(ev);
    this.stats.queued = this.queue.length;
    if (!this.busy) void this.pump();
    return true;
  }

  /** Resolves when the queue is empty and nothing is in flight. */
  idle(): Promise<void> {
    if (!this.busy && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private async pump(): Promise<void> {
    this.busy = true;
    try {
      for (let ev = this.queue.shift(); ev !== undefined; ev = this.queue.shift()) {
        this.stats.queued = this.queue.length;
        let r: DeliveryResult;
        try {
          r = await this.sink.deliver(ev);
        } catch (e: unknown) {
          r = { sink: this.sink.id, ok: false, attempts: 1, error: errorMessage(e), ms: 0 };
        }
        if (r.ok) this.stats.delivered++;
        else this.stats.failed++;
        this.onResult?.(r, ev);
      }
    } finally {
      this.busy = false;
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }
}
