import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { AgentRegistry } from '@xtrace/controller';
import { Subjects, type AgentHeartbeat } from '@xtrace/proto';
import { startTestNats, type TestNats } from '../support/nats.js';
import { startTestAgent, testLogger, waitFor, type TestAgent } from '../support/agents.js';

describe('agent registry over real NATS (fake tracer: no BPF)', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  const agents: TestAgent[] = [];
  let registry: AgentRegistry | undefined;

  beforeAll(async () => {
    nats = await startTestNats();
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    registry?.stop();
    for (const a of agents) await a.close().catch(() => {});
    await nc?.close();
    await nats?.stop();
  });

  it('registers agents with their inventory, follows heartbeats and marks a silent agent down', async () => {
    const a = await startTestAgent(nats.url, { hostId: 'xtp-hv-a', vmAddresses: ['10.0.0.1'], heartbeatMs: 200 });
    agents.push(a);
    registry = new AgentRegistry({ nc, logger: testLogger(), checkMs: 50 });
    const downs: string[] = [];
    registry.on('down', (r) => downs.push(r.host));
    // a already runs: the registry's discover request makes it announce at once
    const t0 = Date.now();
    await registry.start();
    await waitFor(() => registry!.get('xtp-hv-a') !== undefined, 1000, 'agent a to be discovered');
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(registry.findByAddress('10.0.0.1').map((r) => r.host)).toEqual(['xtp-hv-a']);
    // the agent names its kernel's drop reasons, read from BTF (values move between kernels)
    if (existsSync('/sys/kernel/btf/vmlinux')) {
      const reasons = new Map(registry.get('xtp-hv-a')!.status.dropReasons);
      expect(reasons.get(12)).toBe('NETFILTER_DROP');
      expect(reasons.size).toBeGreaterThan(100);
    }

    const b = await startTestAgent(nats.url, { hostId: 'xtp-hv-b', vmAddresses: ['10.0.0.2', '10.0.0.3'], heartbeatMs: 200 });
    agents.push(b);
    await waitFor(() => registry!.get('xtp-hv-b')?.state === 'up', 1000, 'agent b to announce');
    expect(registry.knownVms()).toEqual(['10.0.0.1 (xtp-hv-a/vnet0)', '10.0.0.2 (xtp-hv-b/vnet0)', '10.0.0.3 (xtp-hv-b/vnet1)']);
    const seq0 = registry.get('xtp-hv-b')!.status.seq;
    await waitFor(() => registry!.get('xtp-hv-b')!.status.seq >= seq0 + 2, 1500, 'two more heartbeats of b');

    // b goes silent (its NATS connection closes without a goodbye): down after 3 missed heartbeats
    const silentAt = Date.now();
    await b.close();
    await waitFor(() => registry!.get('xtp-hv-b')?.state === 'down', 2000, 'agent b to be marked down');
    const took = Date.now() - silentAt;
    expect(took).toBeGreaterThanOrEqual(400); // not before ~3 x 200 ms since the last heartbeat
    expect(downs).toEqual(['xtp-hv-b']);
    expect(registry.get('xtp-hv-a')!.state).toBe('up');
    // down agents stay listed, but their VMs are not offered for new probes
    expect(registry.knownVms()).toEqual(['10.0.0.1 (xtp-hv-a/vnet0)']);
    expect(registry.toInfo(registry.get('xtp-hv-b')!).state).toBe('down');
  });

  it('drops an announcement or heartbeat whose host differs from its subject (one host speaking for another)', async () => {
    const reg = new AgentRegistry({ nc, logger: testLogger(), checkMs: 50 });
    await reg.start();
    try {
      const hb = (host: string): AgentHeartbeat => ({
        v: 1, host, bootId: `boot-${host}`, seq: 1, sentAtMs: Date.now(), startedAtMs: Date.now(), version: 'raw', heartbeatMs: 60_000,
        inventory: { netns: 1, interfaces: [], vms: [], stages: [] }, probes: [], counters: {},
      });
      nc.publish(Subjects.registryAnnounce('xtp-liar'), JSON.stringify(hb('xtp-victim')));
      nc.publish(Subjects.agentHeartbeat('xtp-liar'), JSON.stringify(hb('xtp-victim')));
      nc.publish(Subjects.registryAnnounce('xtp-honest'), JSON.stringify(hb('xtp-honest')));
      await waitFor(() => reg.get('xtp-honest') !== undefined, 1000, 'the honest announcement');
      await waitFor(() => reg.spoofedHeartbeats === 2, 1000, 'both spoofs counted');
      expect(reg.get('xtp-victim')).toBeUndefined();
    } finally {
      reg.stop();
    }
  });
});
