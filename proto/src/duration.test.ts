import { describe, expect, it } from 'vitest';
import { parseDurationMs, parseDurationUs, parseSample, parseTimePoint } from './duration.js';
import { UsageError } from './errors.js';

describe('parseDurationMs / parseDurationUs', () => {
  it('parses every unit and combinations, to ms or µs', () => {
    expect(parseDurationMs('500ms', 'd')).toBe(500);
    expect(parseDurationMs('10s', 'd')).toBe(10_000);
    expect(parseDurationMs('2m', 'd')).toBe(120_000);
    expect(parseDurationMs('1.5s', 'd')).toBe(1500);
    expect(parseDurationMs('1h', 'd')).toBe(3_600_000);
    expect(parseDurationMs('7d', 'd')).toBe(7 * 86_400_000);
    expect(parseDurationMs('1m30s', 'd')).toBe(90_000);
    expect(parseDurationMs(' 10 s ', 'd')).toBe(10_000);
    expect(parseDurationUs('500us', 'd')).toBe(500);
    expect(parseDurationUs('250µs', 'd')).toBe(250);
    expect(parseDurationUs('0.5ms', 'd')).toBe(500);
    expect(parseDurationUs('2s', 'd')).toBe(2_000_000);
    expect(parseDurationUs('1500ns', 'd')).toBe(2);
    expect(parseDurationUs('0', 'd')).toBe(0);
  });
  it('takes a bare number only when the caller gives its unit', () => {
    expect(parseDurationMs('3', '--duration', { bareUnit: 's' })).toBe(3000);
    expect(() => parseDurationUs('5', '--wire-delay')).toThrow('--wire-delay: "5" has no unit (expected e.g. 500us, 10ms, 30s, 5m, 1h, 7d)');
    expect(() => parseDurationMs('500', 'f')).toThrow(/f: "500" has no unit/);
  });
  it('names the flag or field on bad input', () => {
    expect(() => parseDurationMs('ten', '--duration')).toThrow('--duration: "ten" is not a duration (expected e.g. 500us, 10ms, 30s, 5m, 1h, 7d)');
    expect(() => parseDurationUs('1 hour', '--wire-delay')).toThrow(/--wire-delay/);
    expect(() => parseDurationMs('5 minutes', 'f')).toThrow(UsageError);
    expect(() => parseDurationMs('', 'schedule.every')).toThrow(/schedule.every: empty duration/);
    expect(() => parseDurationMs('0s', '--duration', { positive: true })).toThrow('--duration: expected a positive duration, got "0s"');
    expect(() => parseDurationMs('100us', '--interval', { positive: true })).toThrow(UsageError);
  });
});

describe('parseTimePoint', () => {
  it('takes epoch ms, ISO times and durations ago', () => {
    expect(parseTimePoint('1700000000000', 'x')).toBe(1_700_000_000_000);
    expect(parseTimePoint('2024-01-01T00:00:00Z', 'x')).toBe(Date.parse('2024-01-01T00:00:00Z'));
    expect(parseTimePoint('1h', 'x', 10_000_000)).toBe(10_000_000 - 3_600_000);
  });
});

describe('parseSample', () => {
  it('parses K/N and N', () => {
    expect(parseSample('1/10')).toEqual({ k: 1, n: 10 });
    expect(parseSample('100')).toEqual({ k: 1, n: 100 });
    expect(() => parseSample('5/2', '--sample')).toThrow("--sample: expected 1 <= K <= N, got '5/2'");
  });
});
