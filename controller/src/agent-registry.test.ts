import type { NatsConnection } from 'nats';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { AgentTracerFault } from '@xtrace/proto';
import { AgentRegistry } from './agent-registry.js';

/** a registry fed by observe() alone (no NATS: start() is never called) */
function registry(): AgentRegistry {
  return new AgentRegistry({ nc: {} as NatsConnection, logger: pino({ level: 'silent' }) });
}

function heartbeat(host: string, opts: { bootId?: string; seq?: number; vms?: { tap: string; addresses: string[] }[]; tracerFaults?: AgentTracerFault[] } = {}): unknown {
  return {
    v: 1,
    host,
    bootId: opts.bootId ?? `boot-${host}`,
    seq: opts.seq ?? 1,
    sentAtMs: 0,
    startedAtMs: 0,
    version: 'test',
    heartbeatMs: 2000,
    inventory: { netns: 1, interfaces: [], vms: opts.vms ?? [], stages: [] },
    probes: [],
    counters: {},
    ...(opts.tracerFaults ? { tracerFaults: opts.tracerFaults } : {}),
  };
}

describe('AgentRegistry', () => {
  it('emits every new tracer fault once, faults of one millisecond that arrive in successive heartbeats too', () => {
    const r = registry();
    const seen: string[] = [];
    r.on('fault', (rec, f) => seen.push(`${rec.host} ${f.part}`));
    const ingress = { part: 'stage nic_rx (tcx ingress nic0)', message: 'detached', atMs: 1000 };
    const egress = { part: 'stage nic_tx (tcx egress nic0)', message: 'detached', atMs: 1000 };
    r.observe(heartbeat('hv-a', { seq: 1 }));
    r.observe(heartbeat('hv-a', { seq: 2, tracerFaults: [ingress] }));
    r.observe(heartbeat('hv-a', { seq: 3, tracerFaults: [ingress, egress] }));
    r.observe(heartbeat('hv-a', { seq: 4, tracerFaults: [ingress, egress] }));
    expect(seen).toEqual(['hv-a stage nic_rx (tcx ingress nic0)', 'hv-a stage nic_tx (tcx egress nic0)']);
    // a new boot's faults are new, even one that reads the same
    r.observe(heartbeat('hv-a', { seq: 1, bootId: 'boot-2', tracerFaults: [ingress] }));
    expect(seen).toHaveLength(3);
  });
});
