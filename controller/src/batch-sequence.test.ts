import { describe, expect, it } from 'vitest';
import { BatchSequence } from './batch-sequence.js';

describe('BatchSequence', () => {
  it('counts gaps, late arrivals, duplicates and trailing loss', () => {
    const s = new BatchSequence();
    expect(s.accept('b', 1)).toBe('ok');
    expect(s.accept('b', 2)).toBe('ok');
    expect(s.accept('b', 5)).toBe('gap');
    expect(s.lost).toBe(2);
    expect(s.accept('b', 3)).toBe('late');
    expect(s.lost).toBe(1);
    expect(s.accept('b', 5)).toBe('duplicate');
    expect(s.duplicates).toBe(1);
    s.reconcile(8);
    expect(s.lost).toBe(4);
    expect(s.received).toBe(4);
  });
  it('restarts on a new boot id', () => {
    const s = new BatchSequence();
    s.accept('b1', 1);
    s.accept('b1', 2);
    expect(s.accept('b2', 1)).toBe('restart');
    expect(s.lost).toBe(0);
    expect(s.duplicates).toBe(0);
  });
  it('counts a seq far ahead at once (a garbage envelope cannot stall the controller)', () => {
    const s = new BatchSequence();
    s.accept('b', 1);
    const t = Date.now();
    expect(s.accept('b', Number.MAX_SAFE_INTEGER)).toBe('gap');
    expect(Date.now() - t).toBeLessThan(1000);
    expect(s.lost).toBe(Number.MAX_SAFE_INTEGER - 2);
    expect(s.accept('b', 3)).toBe('late');
    expect(s.accept('b', 2)).toBe('late');
  });
});
