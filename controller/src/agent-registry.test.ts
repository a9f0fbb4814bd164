import type { NatsConnection } from 'nats';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { AgentTracerFault } from '@xtrace/proto';
import { AgentRegistry, bareAddress } from './agent-registry.js';

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

  it('finds agents by VM address as the scan of every agent did: most recently seen first, ties by host name, after inventories change', () => {
    const r = registry();
    // the lookup as it was: every agent sorted by name, filtered by a scan of its VMs, stably sorted by last seen
    const scan = (address: string): string[] =>
      r
        .list()
        .filter((x) => x.status.inventory.vms.some((vm) => vm.addresses.some((a) => bareAddress(a) === bareAddress(address))))
        .sort((a, b) => b.lastSeenMs - a.lastSeenMs)
        .map((x) => x.host);
    const find = (address: string): string[] => r.findByAddress(address).map((x) => x.host);
    let seed = 7;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const addresses = ['10.0.0.1', '10.0.0.2', '10.0.0.3/24', 'FE80::1', 'fe80::1/64', '10.0.0.4'];
    let now = 1_000;
    let ties = 0;
    const realNow = Date.now;
    Date.now = () => now; // lastSeenMs comes from Date.now(): several agents seen in one millisecond tie
    try {
      for (let round = 0; round < 300; round++) {
        const host = `hv-${String.fromCharCode(97 + rand(8))}`;
        const vms = Array.from({ length: rand(3) }, (_, i) => ({ tap: `vnet${i}`, addresses: Array.from({ length: 1 + rand(2) }, () => addresses[rand(addresses.length)]!) }));
        r.observe(heartbeat(host, { seq: round, vms }));
        if (rand(3) === 0) now++;
        for (const a of [...addresses, '10.9.9.9']) {
          expect(find(a), `${a} after round ${round}`).toEqual(scan(a));
          const seen = r.findByAddress(a).map((x) => x.lastSeenMs);
          if (new Set(seen).size < seen.length) ties++;
        }
      }
    } finally {
      Date.now = realNow;
    }
    expect(find('fe80::1')).toEqual(scan('FE80::1/128'));
    expect(ties, 'lookups where agents seen in the same millisecond share the address').toBeGreaterThan(20);
  });
});
