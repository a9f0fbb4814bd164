/** A scheduled probe: which pairs, how often, for how long. Stored as JSON in KV `xtrace_schedules`. */
import { parseDurationMs, PROBE_PROTOS, UsageError, type ProbeProto } from '@xtrace/proto';
import { validatePairSelector, type PairSelector } from './pair-selector.js';

/**
 * A schedule's protocol: one a probe filters on (@xtrace/proto PROBE_PROTOS), or 'any', which a
 * schedule names explicitly where a probe request just leaves its proto out.
 */
export type ScheduleProto = 'any' | ProbeProto;
export const SCHEDULE_PROTOS: readonly ScheduleProto[] = ['any', ...PROBE_PROTOS];

export interface Schedule {
  name: string;
  /** period between runs, as typed (`5m`) */
  every: string;
  /** how long each probe runs (`10s`) */
  duration: string;
  pairs: PairSelector;
  paused: boolean;
  proto?: ScheduleProto;
  /** epoch ms */
  createdAt: number;
}

/** A schedule with its durations parsed. */
export interface ParsedSchedule extends Schedule {
  everyMs: number;
  durationMs: number;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
export const MIN_EVERY_MS = 1000;
/** run claims expire after 25 h (kv-buckets.ts): a period must stay below that */
export const MAX_EVERY_MS = 24 * 3_600_000;

export function validateName(name: unknown, field: string): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new UsageError(field, `expected 1-64 characters of A-Z a-z 0-9 _ -, got ${JSON.stringify(name)}`);
  }
  return name;
}

/** Validate an untrusted value as a schedule; the error names the exact field. */
export function validateSchedule(value: unknown, field = 'schedule'): ParsedSchedule {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(field, 'expected an object');
  const o = value as Record<string, unknown>;
  const name = validateName(o['name'], `${field}.name`);
  if (typeof o['every'] !== 'string') throw new UsageError(`${field}.every`, 'expected a duration such as 5m');
  const everyMs = parseDurationMs(o['every'], `${field}.every`);
  if (everyMs < MIN_EVERY_MS) throw new UsageError(`${field}.every`, `must be at least ${MIN_EVERY_MS}ms, got ${o['every']}`);
  if (everyMs > MAX_EVERY_MS) throw new UsageError(`${field}.every`, `must be at most 24h, got ${o['every']}`);
  if (typeof o['duration'] !== 'string') throw new UsageError(`${field}.duration`, 'expected a duration such as 10s');
  const durationMs = parseDurationMs(o['duration'], `${field}.duration`);
  if (durationMs <= 0) throw new UsageError(`${field}.duration`, 'must be positive');
  if (durationMs > everyMs) {
    throw new UsageError(`${field}.duration`, `${o['duration']} is longer than the period ${o['every']} (runs would pile up)`);
  }
  const pairs = validatePairSelector(o['pairs'], `${field}.pairs`);
  const paused = o['paused'] ?? false;
  if (typeof paused !== 'boolean') throw new UsageError(`${field}.paused`, 'expected true or false');
  const createdAt = o['createdAt'];
  if (typeof createdAt !== 'number' || !Number.isFinite(createdAt) || createdAt < 0) {
    throw new UsageError(`${field}.createdAt`, 'expected epoch milliseconds');
  }
  const s: ParsedSchedule = { name, every: o['every'], duration: o['duration'], pairs, paused, createdAt, everyMs, durationMs };
  if (o['proto'] !== undefined) {
    if (!SCHEDULE_PROTOS.includes(o['proto'] as ScheduleProto)) {
      throw new UsageError(`${field}.proto`, `expected one of ${SCHEDULE_PROTOS.join(', ')}, got ${JSON.stringify(o['proto'])}`);
    }
    s.proto = o['proto'] as ScheduleProto;
  }
  return s;
}

/** The stored form (without the parsed fields). */
export function scheduleRecord(s: Schedule): Schedule {
  const r: Schedule = { name: s.name, every: s.every, duration: s.duration, pairs: s.pairs, paused: s.paused, createdAt: s.createdAt };
  if (s.proto !== undefined) r.proto = s.proto;
  return r;
}

/**
 * Start (epoch ms) of the run slot containing `now`. Slots are anchored at the schedule's
 * creation time (the first run is due at once), so every controller computes the same slots.
 * Returns undefined before the first slot.
 */
export function slotStart(everyMs: number, anchor: number, now: number): number | undefined {
  if (now < anchor) return undefined;
  return anchor + Math.floor((now - anchor) / everyMs) * everyMs;
}
