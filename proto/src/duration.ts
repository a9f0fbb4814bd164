/**
 * Durations as operators type them, one grammar for every flag and field of the CLI, the
 * controller's schedules and alert rules and the lab: one or more `<number><unit>` parts
 * (`500us`, `1.5s`, `1m30s`, `10 ms`), units ns, us (µs), ms, s, m, h, d; `0` alone. A bare
 * number other than 0 is an error unless the caller gives it a unit (`bareUnit`: `xtrace pair
 * --duration 3` is 3 s). Errors are UsageErrors naming the flag or field.
 */
import { UsageError } from './errors.js';

type DurationUnit = 'ns' | 'us' | 'µs' | 'ms' | 's' | 'm' | 'h' | 'd';

const UNIT_US: Readonly<Record<DurationUnit, number>> = {
  ns: 1e-3,
  us: 1,
  µs: 1,
  ms: 1_000,
  s: 1_000_000,
  m: 60_000_000,
  h: 3_600_000_000,
  d: 86_400_000_000,
};

/** one part: a number and its unit (ms before m and s; whitespace between and around allowed) */
const PART = /\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m|h|d)\s*/y;
const BARE = /^\s*(\d+(?:\.\d+)?)\s*$/;
const EXAMPLES = 'expected e.g. 500us, 10ms, 30s, 5m, 1h, 7d';

interface DurationOptions {
  /** the unit of a bare number ("3"); absent: a bare number other than 0 is an error */
  bareUnit?: DurationUnit;
  /** reject a duration that is 0 in the result's unit (after rounding) */
  positive?: boolean;
}

/** µs, unrounded */
function parseExactUs(text: string, field: string, opts: DurationOptions): number {
  if (text.trim() === '') throw new UsageError(field, `empty duration (${EXAMPLES})`);
  const bare = BARE.exec(text);
  if (bare) {
    const v = Number(bare[1]);
    if (opts.bareUnit !== undefined) return v * UNIT_US[opts.bareUnit];
    if (v === 0) return 0;
    throw new UsageError(field, `"${text}" has no unit (${EXAMPLES})`);
  }
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = PART.exec(text); m !== null; m = PART.exec(text)) {
    total += Number(m[1]) * UNIT_US[m[2] as DurationUnit];
    consumed = PART.lastIndex;
  }
  if (consumed !== text.length) throw new UsageError(field, `"${text}" is not a duration (${EXAMPLES})`);
  return total;
}

function checked(value: number, text: string, field: string, opts: DurationOptions): number {
  if (!Number.isFinite(value)) throw new UsageError(field, `"${text}" is out of range`);
  if (opts.positive && value <= 0) throw new UsageError(field, `expected a positive duration, got "${text}"`);
  return value;
}

/** `text` in microseconds (rounded); `field` names the flag or field in the error. */
export function parseDurationUs(text: string, field: string, opts: DurationOptions = {}): number {
  return checked(Math.round(parseExactUs(text, field, opts)), text, field, opts);
}

/** `text` in milliseconds (sub-millisecond parts rounded); `field` names the flag or field in the error. */
export function parseDurationMs(text: string, field: string, opts: DurationOptions = {}): number {
  return checked(Math.round(parseExactUs(text, field, opts) / 1000), text, field, opts);
}

/** Render milliseconds compactly (`90000` → `1m30s`, `500` → `500ms`). */
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

/** Parses '--sample 1/N' (or 'K/N', or 'N' meaning 1/N) into {k, n}. */
export function parseSample(text: string, field = 'sample'): { k: number; n: number } {
  const m = /^\s*(?:(\d+)\s*\/\s*)?(\d+)\s*$/.exec(text);
  if (!m) throw new UsageError(field, `expected K/N like 1/10, got '${text}'`);
  const k = m[1] === undefined ? 1 : Number(m[1]);
  const n = Number(m[2]);
  if (n < 1 || k < 1 || k > n || n > 0xffffffff) {
    throw new UsageError(field, `expected 1 <= K <= N, got '${text}'`);
  }
  return { k, n };
}
