/**
 * Routes alert events to the sinks named by their rule. Each distinct sink gets one bounded
 * queue (QueuedSink), so a slow or dead webhook never blocks evaluation or other sinks.
 */
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { XtraceError } from '@xtrace/proto';
import type { AlertEvent } from './alert-evaluator.js';
import type { ParsedAlertRule, SinkSpec } from './alert-rule.js';
import type { AlertSink, DeliveryResult } from './sinks/alert-sink.js';
import { ExecSink } from './sinks/exec-sink.js';
import { NatsSink } from './sinks/nats-sink.js';
import { QueuedSink, type QueuedSinkStats } from './sinks/queued-sink.js';
import { WebhookSink } from './sinks/webhook-sink.js';

interface AlertDispatcherOptions {
  /** needed by `nats` sinks */
  nc?: NatsConnection;
  /** per sink, default 100 */
  queueCapacity?: number;
  /** webhook first backoff (tests shorten it) */
  webhookBackoffMs?: number;
  logger?: Logger;
  onResult?: (r: DeliveryResult, ev: AlertEvent) => void;
}

function createSink(spec: SinkSpec, o: Pick<AlertDispatcherOptions, 'nc' | 'webhookBackoffMs'>): AlertSink {
  switch (spec.type) {
    case 'webhook': {
      const w: ConstructorParameters<typeof WebhookSink>[0] = { url: spec.url };
      if (spec.timeoutMs !== undefined) w.timeoutMs = spec.timeoutMs;
      if (spec.retries !== undefined) w.retries = spec.retries;
      if (o.webhookBackoffMs !== undefined) w.backoffMs = o.webhookBackoffMs;
      return new WebhookSink(w);
    }
    case 'exec':
      return new ExecSink(spec.timeoutMs !== undefined ? { command: spec.command, timeoutMs: spec.timeoutMs } : { command: spec.command });
    case 'nats':
      if (o.nc === undefined) throw new XtraceError('internal', 'a nats alert sink needs a NATS connection');
      return new NatsSink(o.nc, spec.subject);
  }
}

export class AlertDispatcher {
  private readonly sinks = new Map<string, QueuedSink>();

  constructor(private readonly o: AlertDispatcherOptions = {}) {}

  private queued(spec: SinkSpec): QueuedSink {
    const key = JSON.stringify(spec);
    let q = this.sinks.get(key);
    if (q === undefined) {
      q = new QueuedSink(createSink(spec, this.o), this.o.queueCapacity ?? 100, (r, ev) => {
        if (!r.ok) this.o.logger?.warn({ sink: r.sink, rule: ev.rule, error: r.error, attempts: r.attempts }, 'alert delivery failed');
        this.o.onResult?.(r, ev);
      });
      this.sinks.set(key, q);
    }
    return q;
  }

  /** Non-blocking: queue the event on each of the rule's sinks. */
  dispatch(ev: AlertEvent, rule: ParsedAlertRule): void {
    for (const spec of rule.sinks) {
      if (!this.queued(spec).enqueue(ev)) this.o.logger?.warn({ rule: rule.name, sink: JSON.stringify(spec) }, 'alert sink queue full; event dropped');
    }
  }

  /** Deliver directly (bypassing the queues) and report each sink's outcome: `xtrace alert test`. */
  async deliverNow(ev: AlertEvent, rule: ParsedAlertRule): Promise<DeliveryResult[]> {
    return Promise.all(rule.sinks.map((spec) => createSink(spec, this.o).deliver(ev)));
  }

  stats(): { sink: string; stats: QueuedSinkStats }[] {
    return [...this.sinks.values()].map((q) => ({ sink: q.sink.id, stats: { ...q.stats } }));
  }

  /** Resolves when every queue is empty. */
  async idle(): Promise<void> {
    await Promise.all([...this.sinks.values()].map((q) => q.idle()));
  }
}

/** a segment of the kind the rule watches: a VM breakdown part for a rule that names one */
function syntheticSegment(rule: ParsedAlertRule): AlertEvent['segment'] {
  if (rule.vmPart === undefined) return { from: 'test', to: 'test', kind: rule.segmentKind === 'any' ? 'wire' : rule.segmentKind };
  const part = rule.vmPart === 'any' ? 'guest' : rule.vmPart;
  return { from: 'test', to: 'test', kind: part === 'guest' ? 'vm' : 'host', vm_breakdown: { host: 'test', role: 'destination', part } };
}

/** A synthetic firing event for `xtrace alert test`. */
export function syntheticEvent(rule: ParsedAlertRule, now = Date.now()): AlertEvent {
  const pair = rule.selector !== 'all-cross-host' && 'pairs' in rule.selector && rule.selector.pairs[0] !== undefined ? rule.selector.pairs[0] : { src: '0.0.0.0', dst: '0.0.0.0' };
  return {
    state: 'firing',
    rule: rule.name,
    pair: { src: pair.src, dst: pair.dst },
    segment: syntheticSegment(rule),
    metric: rule.metric,
    value: rule.threshold + 1,
    threshold: rule.threshold,
    since: now - rule.forMs,
    at: now,
    test: true,
  };
}
