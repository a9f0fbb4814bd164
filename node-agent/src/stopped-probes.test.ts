import { describe, expect, it } from 'vitest';
import { StoppedProbes } from './stopped-probes.js';

describe('StoppedProbes', () => {
  it('answers with what a stopped probe published, forgetting the oldest beyond its capacity', () => {
    const s = new StoppedProbes(2);
    s.remember('p1', { batches: 3, records: 12 });
    s.remember('p2', { batches: 1, records: 4 });
    expect(s.get('p1')).toEqual({ batches: 3, records: 12 });
    s.remember('p3', { batches: 7, records: 28 });
    expect(s.get('p1')).toBeUndefined();
    expect(s.get('p2')).toEqual({ batches: 1, records: 4 });
    expect(s.get('p3')).toEqual({ batches: 7, records: 28 });
    expect(s.size).toBe(2);
    expect(s.get('never')).toBeUndefined();
  });
});
