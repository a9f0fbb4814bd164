/**
 * Names of the JetStream KV buckets and streams the fleet layer keeps (controller/src/fleet/
 * kv-buckets.ts opens the buckets, controller/src/fleet/history-store.ts the history stream).
 * They live here so the NATS permission model (nats-permissions.ts) grants exactly these.
 */
export const SCHEDULES_BUCKET = 'xtrace_schedules';
/** Per-run claims `run.<schedule>.<slotStartMs>`; entries expire with the bucket's max_age. */
export const SCHEDULE_RUNS_BUCKET = 'xtrace_schedule_runs';
export const ALERTS_BUCKET = 'xtrace_alerts';
/** Concurrency slots of scheduled probes `fleet.<i>`, `agent.<host>.<j>` (controller/src/fleet/fleet-probe-semaphore.ts). */
export const PROBE_SLOTS_BUCKET = 'xtrace_probe_slots';
export const FLEET_KV_BUCKETS = [SCHEDULES_BUCKET, SCHEDULE_RUNS_BUCKET, ALERTS_BUCKET, PROBE_SLOTS_BUCKET] as const;

/** Every interval report and summary, on `xtrace.history.<pairKey>.<probeId>`. */
export const HISTORY_STREAM = 'XTRACE_HISTORY';
export const HISTORY_SUBJECT_PREFIX = 'xtrace.history';

/** The stream JetStream keeps a KV bucket in. */
export function kvStreamName(bucket: string): string {
  return `KV_${bucket}`;
}

/** The subjects a KV bucket's keys are written on. */
export function kvSubjects(bucket: string): string {
  return `$KV.${bucket}.>`;
}
