/**
 * The fleet layer: scheduled probes, history, alerts, metrics. Re-exported by
 * @xtrace/controller; a schedule's protocols (SCHEDULE_PROTOS) are @xtrace/proto's
 * PROBE_PROTOS plus 'any'; segment kinds are @xtrace/proto's SegmentKind.
 */
export { type ProbeReport } from './probe-report.js';
export * from './pair-selector.js';
export * from './schedule-store.js';
export * from './kv-buckets.js';
export * from './kv-lease.js';
export * from './lease-expiry.js';
export * from './run-claim.js';
export * from './fleet-probe-semaphore.js';
export * from './scheduler.js';
export * from './history-store.js';
export * from './alert-rule.js';
export * from './alert-store.js';
export * from './alert-evaluator.js';
export * from './alert-dispatcher.js';
export * from './sinks/alert-sink.js';
export * from './sinks/webhook-sink.js';
export * from './sinks/exec-sink.js';
export * from './sinks/nats-sink.js';
export * from './sinks/queued-sink.js';
export * from './metrics/bucketed-histogram.js';
export * from './metrics/controller-metrics.js';
export * from './pair-report-adapter.js';
export * from './fleet-service.js';
