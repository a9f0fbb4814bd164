import { describe, expect, it } from 'vitest';
import { UsageError } from '@xtrace/proto';
import { buildLabSpec, parseLoss } from './lab.js';

describe('xtrace lab flag parsing', () => {
  it('parses loss as probability or percentage', () => {
    expect(parseLoss('l', '0.01')).toBe(0.01);
    expect(parseLoss('l', '10%')).toBeCloseTo(0.1);
    expect(() => parseLoss('l', '1.5')).toThrow(UsageError);
    expect(() => parseLoss('l', 'x')).toThrow(UsageError);
  });

  it('builds a lab spec from flags', () => {
    const s = buildLabSpec({ hosts: '3', vms: '2', wire: 'relay', wireDelay: '1ms', wireLoss: '1%', clockSkew: '0,5ms,-2ms', seed: '9' });
    expect(s.hosts).toBe(3);
    expect(s.vmsPerHost).toBe(2);
    expect(s.wire?.egress).toEqual({ delayUs: 1000, jitterUs: 0, loss: 0.01 });
    expect(s.hostOverrides?.[1]?.clockSkewNs).toBe(5_000_000);
    expect(s.hostOverrides?.[2]?.clockSkewNs).toBe(-2_000_000);
    expect(s.seed).toBe(9);
    expect(() => buildLabSpec({ hosts: '2', vms: '1', wire: 'veth', wireLoss: '0.1' })).toThrow(/--wire/);
    expect(() => buildLabSpec({ hosts: '0', vms: '1', wire: 'relay' })).toThrow(/--hosts/);
    expect(() => buildLabSpec({ hosts: '2', vms: '1', wire: 'relay', clockSkew: '1ms,2ms,3ms' })).toThrow(/--clock-skew/);
  });
});
