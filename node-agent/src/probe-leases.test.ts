import { describe, expect, it } from 'vitest';
import { ProbeLease, renewLeases } from './probe-leases.js';

describe('ProbeLease', () => {
  it('ends when the lease runs out (checked first) or the duration is reached', () => {
    const l = new ProbeLease(1000, 0, 5000);
    expect(l.due(999)).toBeUndefined();
    expect(l.due(1000)).toBe('lease expired');
    l.renew(900);
    expect([l.due(1899), l.leftMs(1500)]).toEqual([undefined, 400]);
    l.renew(1800, 10_000);
    expect(l.due(4999)).toBeUndefined();
    expect(l.due(5000)).toBe('duration reached');
    l.endAfter(4000, 3000);
    expect(l.due(6999)).toBeUndefined();
    expect(l.due(20_000)).toBe('lease expired');
  });

  it('never ends on its duration without one', () => {
    const l = new ProbeLease(1000, 0, undefined);
    l.renew(1_000_000);
    expect(l.due(1_000_500)).toBeUndefined();
  });
});

describe('renewLeases', () => {
  it('renews the probes that run here, names the others unknown', () => {
    const a = new ProbeLease(1000, 0, undefined);
    const r = renewLeases({ op: 'renew', probeIds: ['a', 'b'], leaseMs: 3000 }, (id) => (id === 'a' ? a : undefined), 500);
    expect(r).toEqual({ renewed: ['a'], unknown: ['b'] });
    expect([a.leaseMs, a.leftMs(500)]).toEqual([3000, 3000]);
  });
});
