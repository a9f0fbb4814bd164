import { describe, expect, it } from 'vitest';
import { UsageError } from '@xtrace/proto';
import { alertRuleRecord, ruleWatchesSegment, validateAlertRule } from './alert-rule.js';

const base = { name: 'r', metric: 'p99', threshold: 1000, sinks: [{ type: 'nats', subject: 'x' }] };

describe('validateAlertRule: vmPart', () => {
  it('takes a part name or any, and keeps it in the stored record; a rule without one stores none', () => {
    const guest = validateAlertRule({ ...base, vmPart: 'guest' });
    expect(guest).toMatchObject({ segmentKind: 'any', vmPart: 'guest' });
    expect(alertRuleRecord(guest)).toMatchObject({ vmPart: 'guest' });
    expect(validateAlertRule({ ...base, vmPart: 'any' }).vmPart).toBe('any');
    const path = validateAlertRule({ ...base, segmentKind: 'vm' });
    expect('vmPart' in path).toBe(false);
    expect('vmPart' in alertRuleRecord(path)).toBe(false);
  });

  it('rejects an unknown part, and a part together with a segment kind', () => {
    expect(() => validateAlertRule({ ...base, vmPart: 'worker' })).toThrow(UsageError);
    expect(() => validateAlertRule({ ...base, vmPart: 'worker' })).toThrow(/rx_worker_wait, rx_copy_signal, guest, tx_worker_wait, tx_build, any/);
    expect(() => validateAlertRule({ ...base, vmPart: 'guest', segmentKind: 'vm' })).toThrow(/give one of segmentKind and vmPart/);
  });
});

describe('ruleWatchesSegment', () => {
  const part = (name: 'guest' | 'rx_worker_wait') => ({ kind: name === 'guest' ? ('vm' as const) : ('host' as const), vm_breakdown: { host: 'hv-b', role: 'destination' as const, part: name } });
  it('a rule naming a part sees only parts of that name (any: every part)', () => {
    expect(ruleWatchesSegment({ segmentKind: 'any', vmPart: 'guest' }, part('guest'))).toBe(true);
    expect(ruleWatchesSegment({ segmentKind: 'any', vmPart: 'guest' }, part('rx_worker_wait'))).toBe(false);
    expect(ruleWatchesSegment({ segmentKind: 'any', vmPart: 'guest' }, { kind: 'vm' })).toBe(false);
    expect(ruleWatchesSegment({ segmentKind: 'any', vmPart: 'any' }, part('rx_worker_wait'))).toBe(true);
  });

  it('any other rule sees path segments and turnarounds by kind, never parts', () => {
    expect(ruleWatchesSegment({ segmentKind: 'vm' }, { kind: 'vm' })).toBe(true);
    expect(ruleWatchesSegment({ segmentKind: 'vm' }, part('guest'))).toBe(false);
    expect(ruleWatchesSegment({ segmentKind: 'any' }, part('rx_worker_wait'))).toBe(false);
    expect(ruleWatchesSegment({ segmentKind: 'host' }, { kind: 'wire' })).toBe(false);
  });
});
