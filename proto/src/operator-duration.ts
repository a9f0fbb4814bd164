/**
 * Durations as operators type them: `500us`, `10ms`, `30s`, `5m`, `1h`, `7d`, combinations such
 * as `1m30s`. Parsed to milliseconds (time windows) or microseconds (latency thresholds).
 */
import { UsageError } from './errors.js';

const UNIT_US: Record<string, number> = {
  us: 1,
  µs: 1,
  ms: 1_000,
  s: 1_000_000,
  m: 60_000_000,
  h: 3_600_000_000,
  d: 86_400_000_000,
};

const PART = /(\d+(?:\.\d+)?)(us|µs|ms|s|m|h|d)/gy;

/** Parse a duration to microseconds; `field` names the flag/field in the error. */
export function parseDurationUs(text: string, field: string): number {
  const s = text.trim();
  if (s === '') throw new UsageError(field, 'empty duration (expected e.g. 500us, 10s, 5m)');
  if (/^\d+(?:\.\d+)?$/.test(s)) {
    throw new UsageError(field, `"${text}" has no unit (expected e.g. 500us, 10ms, 30s, 5m, 1h, 7d)`);
  }
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (;;) {
    const m = PART.exec(s);
    if (m === null) break;
    total += Number(m[1]) * (UNIT_US[m[2] as string] as number);
    consumed = PART.lastIndex;
  }
  if (consumed !== s.length) {
    throw new UsageError(field, `"${text}" is not a duration (expected e.g. 500us, 10ms, 30s, 5m, 1h, 7d)`);
  }
  return Math.round(total);
}

/** Parse a duration to milliseconds (sub-millisecond parts are rounded). */
export function parseDurationMs(text: string, field: string): number {
  return Math.round(parseDurationUs(text, field) / 1000);
}

/** Render milliseconds compactly (`90000` → `1m30s`). */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  let rest = ms;
  let out = '';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  if (rest > 0) out += `${rest}ms`;
  return out;
}

/** A time point: absolute ISO/epoch, or relative to `now` as a duration ago (`1h` = one hour ago). */
export function parseTimePoint(text: string, field: string, now: number = Date.now()): number {
  const s = text.trim();
  if (/^\d{13}$/.test(s)) return Number(s);
  if (/^\d{4}-\d{2}-\d{2}/.test(s)) {
    const t = Date.parse(s);
    if (Number.isNaN(t)) throw new UsageError(field, `"${text}" is not a valid ISO time`);
    return t;
  }
  return now - parseDurationMs(s, field);
}
