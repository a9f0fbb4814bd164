import { describe, expect, it } from 'vitest';
import { parseDuration, parseSample } from './duration.js';
import { UsageError } from './errors.js';

describe('parseDuration', () => {
  it('parses ms, s, m, h and bare seconds', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('3')).toBe(3000);
  });
  it('names the flag on bad input', () => {
    expect(() => parseDuration('ten', '--duration')).toThrow("--duration: expected a duration like 500ms, 10s or 2m, got 'ten'");
    expect(() => parseDuration('0s', '--duration')).toThrow(UsageError);
  });
});

describe('parseSample', () => {
  it('parses K/N and N', () => {
    expect(parseSample('1/10')).toEqual({ k: 1, n: 10 });
    expect(parseSample('100')).toEqual({ k: 1, n: 100 });
    expect(() => parseSample('5/2', '--sample')).toThrow("--sample: expected 1 <= K <= N, got '5/2'");
  });
});
