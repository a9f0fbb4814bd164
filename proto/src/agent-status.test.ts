import { describe, expect, it } from 'vitest';
import { agentHeartbeatSchema } from './agent-status.js';
import { UsageError } from './errors.js';
import { parseOrThrow } from './schema-error.js';

describe('agentHeartbeatSchema', () => {
  const hb = { v: 1, host: 'hv-a', bootId: 'b1', seq: 3, inventory: { netns: 1, interfaces: [], vms: [{ tap: 't', ifindex: 2, addresses: ['10.0.0.1'] }], stages: [] }, probes: [], counters: {} };

  it('passes a heartbeat through, and gives one without a VM list an empty inventory', () => {
    expect(parseOrThrow(agentHeartbeatSchema, hb, 'heartbeat')).toEqual(hb);
    expect(parseOrThrow(agentHeartbeatSchema, { ...hb, inventory: undefined }, 'heartbeat').inventory).toEqual({ netns: 0, interfaces: [], vms: [], stages: [] });
    expect(parseOrThrow(agentHeartbeatSchema, { ...hb, inventory: { vms: 'x' } }, 'heartbeat').inventory.vms).toEqual([]);
  });

  it('names a bad host or bootId', () => {
    expect(() => parseOrThrow(agentHeartbeatSchema, { ...hb, host: 'a.b' }, 'heartbeat')).toThrow("heartbeat.host: expected 1-128 characters of [A-Za-z0-9_-], got 'a.b'");
    expect(() => parseOrThrow(agentHeartbeatSchema, { ...hb, bootId: 5 }, 'heartbeat')).toThrow('heartbeat.bootId: expected a string, got 5');
    expect(() => parseOrThrow(agentHeartbeatSchema, null, 'heartbeat')).toThrow(UsageError);
  });

  it('names a field the controller reads when it has the wrong type (a VM, a stage, a probe)', () => {
    const bad = (patch: Record<string, unknown>): string => {
      try {
        parseOrThrow(agentHeartbeatSchema, { ...hb, ...patch }, 'heartbeat');
      } catch (e: unknown) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(bad({ inventory: { vms: [null] } })).toBe('heartbeat.inventory.vms[0]: expected an object, got null');
    expect(bad({ inventory: { vms: [{ tap: 't', addresses: [5] }] } })).toBe('heartbeat.inventory.vms[0].addresses[0]: expected a string, got 5');
    expect(bad({ inventory: { vms: [], stages: [7] } })).toBe('heartbeat.inventory.stages[0]: expected an object, got 7');
    expect(bad({ probes: [{}] })).toBe('heartbeat.probes[0].probeId: expected a string, got nothing');
    expect(bad({ version: 3 })).toBe('heartbeat.version: expected a string, got 3');
    expect(bad({ heartbeatMs: -1 })).toBe('heartbeat.heartbeatMs: expected a number >= 0, got -1');
    expect(bad({ bootId: 'b'.repeat(200) })).toBe('heartbeat.bootId: expected at most 128 characters');
    expect(bad({ inventory: { vms: [{ tap: 't', addresses: [], name: 7 }] } })).toBe('heartbeat.inventory.vms[0].name: expected a string, got 7');
    expect(bad({ inventory: { vms: [{ tap: 't', addresses: [], name: 'n'.repeat(257) }] } })).toBe('heartbeat.inventory.vms[0].name: expected at most 256 characters');
    const named = { ...hb, inventory: { ...hb.inventory, vms: [{ tap: 't', ifindex: 2, addresses: [], name: 'web-01', nameSource: 'libvirt' }] } };
    expect(parseOrThrow(agentHeartbeatSchema, named, 'heartbeat').inventory.vms[0]?.name).toBe('web-01');
    expect(parseOrThrow(agentHeartbeatSchema, { ...hb, probes: undefined }, 'heartbeat').probes).toEqual([]);
  });
});
