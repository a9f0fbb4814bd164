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
});
