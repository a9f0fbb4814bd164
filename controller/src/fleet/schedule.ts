/** A scheduled probe: which pairs, how often, for how long. Stored as JSON in KV `xtrace_schedules`. */
import { parseDurationMs, PROBE_PROTOS, UsageError, crossCheck, expecting, finiteNumber, objectSchema, parseOrThrow } from '@xtrace/proto';
import * as v from 'valibot';
import { pairSelectorSchema, type PairSelector } from './pair-selector.js';

/**
 * A schedule's protocol: one a probe filters on (@xtrace/proto PROBE_PROTOS), or 'any', which a
 * schedule names explicitly where a probe request just leaves its proto out.
 */
const SCHEDULE_PROTOS = ['any', ...PROBE_PROTOS] as const;
export type ScheduleProto = (typeof SCHEDULE_PROTOS)[number];

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
const MIN_EVERY_MS = 1000;
/** run claims expire after 25 h (kv-buckets.ts): a period must stay below that */
const MAX_EVERY_MS = 24 * 3_600_000;

const nameMessage = expecting((x) => `expected 1-64 characters of A-Z a-z 0-9 _ -, got ${JSON.stringify(x)}`);
export const nameSchema = v.pipe(v.string(nameMessage), v.regex(NAME, nameMessage));

export function validateName(name: unknown, field: string): string {
  return parseOrThrow(nameSchema, name, field);
}

/**
 * A duration as typed (`5m`), kept with its milliseconds; `bound` may reject the value
 * (a message), `zero` also takes a bare "0".
 */
export function durationSchema(example: string, opts: { bound?: (ms: number, text: string) => string | undefined; zero?: boolean } = {}) {
  return v.pipe(
    v.string(`expected a duration such as ${example}`),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const text = dataset.value;
      let ms: number;
      try {
        ms = opts.zero === true && text === '0' ? 0 : parseDurationMs(text, 'duration');
      } catch (e: unknown) {
        if (!(e instanceof UsageError)) throw e;
        addIssue({ message: e.reason });
        return NEVER;
      }
      const wrong = opts.bound?.(ms, text);
      if (wrong !== undefined) {
        addIssue({ message: wrong });
        return NEVER;
      }
      return { text, ms };
    }),
  );
}

const scheduleSchema = v.pipe(
  objectSchema(
    {
      name: nameSchema,
      every: durationSchema('5m', {
        bound: (ms, text) => (ms < MIN_EVERY_MS ? `must be at least ${MIN_EVERY_MS}ms, got ${text}` : ms > MAX_EVERY_MS ? `must be at most 24h, got ${text}` : undefined),
      }),
      duration: durationSchema('10s', { bound: (ms) => (ms <= 0 ? 'must be positive' : undefined) }),
      pairs: pairSelectorSchema,
      paused: v.nullish(v.boolean('expected true or false')),
      createdAt: v.pipe(finiteNumber('expected epoch milliseconds'), v.minValue(0, 'expected epoch milliseconds')),
      proto: v.optional(v.picklist(SCHEDULE_PROTOS, expecting((x) => `expected one of ${SCHEDULE_PROTOS.join(', ')}, got ${JSON.stringify(x)}`))),
    },
    'expected an object',
  ),
  crossCheck(({ every, duration }, issues, fail) => {
    if (issues.length === 0 && duration.ms > every.ms) fail('duration', `${duration.text} is longer than the period ${every.text} (runs would pile up)`);
  }),
  v.transform((o): ParsedSchedule => {
    const s: ParsedSchedule = { name: o.name, every: o.every.text, duration: o.duration.text, pairs: o.pairs, paused: o.paused ?? false, createdAt: o.createdAt, everyMs: o.every.ms, durationMs: o.duration.ms };
    if (o.proto !== undefined) s.proto = o.proto;
    return s;
  }),
);

/** Validate an untrusted value as a schedule; the error names the exact field. */
export function validateSchedule(value: unknown, field = 'schedule'): ParsedSchedule {
  return parseOrThrow(scheduleSchema, value, field);
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
