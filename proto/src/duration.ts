import { UsageError } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses '10s', '500ms', '2m', '1h', '1.5s' (a bare number is seconds) into milliseconds.
 * Throws a UsageError naming `field` on anything else.
 */
export function parseDuration(text: string, field = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) throw new UsageError(field, `expected a duration like 500ms, 10s or 2m, got '${text}'`);
  const ms = Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 's']!);
  if (!Number.isFinite(ms) || ms <= 0) throw new UsageError(field, `expected a positive duration, got '${text}'`);
  return ms;
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
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
