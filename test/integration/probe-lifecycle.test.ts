import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { startController } from '@xtrace/controller';
import { ENVELOPE_VERSION, Stage, Subjects, encodeEnvelope, encodeRecords, type AgentCommand, type AgentHeartbeat } from '@xtrace/proto';
import { startTestNats, type TestNats } from '../support/nats.js';
import { startTestAgent, testLogger, waitFor, type TestAgent } from '../support/agents.js';

/** A hand-driven agent: announces, answers commands, publishes exactly the batches the test says. */
async function rawAgent(
  nc: NatsConnection,
  host: string,
  vm: string,
  batchesAtStop: () => number,
  extra: Partial<AgentHeartbeat> & { stages?: string[] } = {},
): Promise<{ probeIds: string[] }> {
  const state = { probeIds: [] as string[] };
  const { stages = [], ...rest } = extra;
  const hb: AgentHeartbeat = {
    v: 1, host, bootId: `boot-${host}`, seq: 1, sentAtMs: Date.now(), startedAtMs: Date.now(), version: 'raw', heartbeatMs: 60_000,
    inventory: { netns: 1, interfaces: [], vms: [{ tap: 'tap0', ifindex: 5, addresses: [vm] }], stages: stages.map((stage) => ({ stage, attached: true })) },
    probes: [], counters: {},
    ...rest,
  };
  nc.subscribe(Subjects.agentCmd(host), {
    callback: (_e, m) => {
      const c = m.json<AgentCommand>();
      if (c.op === 'startProbe') state.probeIds.push(c.probeId);
      const result =
        c.op === 'startProbe' ? { probeId: c.probeId, slot: 3, host, bootId: hb.bootId }
        : c.op === 'stopProbe' ? { probeId: c.probeId, stopped: true, batches: batchesAtStop() }
        : c.op === 'renew' ? { renewed: c.probeIds, unknown: [] }
        : {};
      m.respond(JSON.stringify({ ok: true, result }));
    },
  });
  nc.publish(Subjects.registryAnnounce(host), JSON.stringify(hb));
  await nc.flush();
  return state;
}

describe('probe lifecycle over real NATS (fake tracer: no BPF)', () => {
  let nats: TestNats;
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    nats = await startTestNats();
  });
  afterAll(async () => {
    for (const c of closers.reverse()) await c().catch(() => {});
    await nats?.stop();
  });

  it('counts lost (seq gaps and trailing) and duplicate batches per host', async () => {
    const nc = await connect({ servers: nats.url });
    closers.push(() => nc.close());
    const c = await startController({ nats: { url: nats.url }, listen: '127.0.0.1:0', logger: testLogger() });
    closers.push(() => c.close());
    const a = await rawAgent(nc, 'xtp-raw-a', '10.1.0.1', () => 7);
    await rawAgent(nc, 'xtp-raw-b', '10.1.0.2', () => 2);
    await waitFor(() => c.registry.list().length === 2, 2000, 'raw agents registered');

    const p = await c.probes.start({ src: '10.1.0.1', dst: '10.1.0.2', proto: '', port: 0, duration_ms: 60_000, interval_ms: 1000, sample_k: 0, sample_n: 0, keep_on_disconnect: true });
    expect(a.probeIds).toEqual([p.info.probe_id]);
    const send = (host: string, seq: number): void =>
      nc.publish(
        Subjects.events(p.info.probe_id, host),
        encodeEnvelope({ v: ENVELOPE_VERSION, host, bootId: `boot-${host}`, probe: p.info.probe_id, seq, clock: { monoNs: 1n, realNs: 2n }, counters: { ringbuf_full: seq }, records: Buffer.alloc(0) }),
      );
    // host a: 3 never arrives, 4 arrives twice, 6 and 7 are lost at the end (the stop reply says 7)
    for (const s of [1, 2, 4, 4, 5]) send('xtp-raw-a', s);
    for (const s of [1, 2]) send('xtp-raw-b', s);
    await nc.flush();
    await waitFor(() => (p.streams.get('xtp-raw-a')?.seq.received ?? 0) === 4, 2000, 'batches of a received');
    const final = await c.probes.stop(p.info.probe_id, 'test');
    const byHost = Object.fromEntries(final.hosts.map((h) => [h.host, h]));
    // these envelopes do not say where their records start (an older agent's): the lost batches' records are unknown
    expect(byHost['xtp-raw-a']).toMatchObject({ batches: 4, lost_batches: 3, lost_records: null, duplicate_batches: 1, kernel_counters: { ringbuf_full: 4 } });
    expect(byHost['xtp-raw-b']).toMatchObject({ batches: 2, lost_batches: 0, lost_records: 0, duplicate_batches: 0 });
    // the matcher heard of the gap (its own seq check) and of the trailing loss (told by the controller)
    expect(final.counters.lost_batches).toBe(3);
    expect(final.no_traffic).toBe(true);
  });

  it("names a drop by the drop-reason table of the host that dropped it, as its agent reported it", async () => {
    const nc = await connect({ servers: nats.url });
    closers.push(() => nc.close());
    const c = await startController({ nats: { url: nats.url }, listen: '127.0.0.1:0', logger: testLogger() });
    closers.push(() => c.close());
    const stages = ['tap_rx', 'nic_tx', 'nic_rx', 'tap_tx'];
    // value 99: IPV6_NDISC_FRAG in the controller's built-in 6.18.0 table; host b's kernel says otherwise
    await rawAgent(nc, 'xtp-drop-a', '10.4.0.1', () => 1, { stages });
    await rawAgent(nc, 'xtp-drop-b', '10.4.0.2', () => 1, { stages, dropReasons: [[12, 'NETFILTER_DROP'], [99, 'IPV6_TOO_MANY_EXTHDRS']] });
    await waitFor(() => c.registry.list().filter((r) => r.host.startsWith('xtp-drop')).length === 2, 2000, 'raw agents registered');
    const p = await c.probes.start({ src: '10.4.0.1', dst: '10.4.0.2', proto: '', port: 0, duration_ms: 60_000, interval_ms: 500, sample_k: 0, sample_n: 0, keep_on_disconnect: true });
    // one packet: seen on a, dropped on b after its NIC
    const common = { pktId: 77n, proto: 1, probeMask: 1 << 3, len: 84 };
    const batch = (host: string, records: Parameters<typeof encodeRecords>[0]): Uint8Array =>
      encodeEnvelope({ v: ENVELOPE_VERSION, host, bootId: `boot-${host}`, probe: p.info.probe_id, seq: 1, clock: { monoNs: 1n, realNs: 2n }, counters: {}, records: encodeRecords(records) });
    nc.publish(Subjects.events(p.info.probe_id, 'xtp-drop-a'), batch('xtp-drop-a', [{ ...common, stage: Stage.tap_rx, tsNs: 1000n }, { ...common, stage: Stage.nic_tx, tsNs: 2000n }]));
    nc.publish(Subjects.events(p.info.probe_id, 'xtp-drop-b'), batch('xtp-drop-b', [{ ...common, stage: Stage.nic_rx, tsNs: 5000n }, { ...common, stage: Stage.drop, tsNs: 6000n, dropReason: 99 }]));
    await nc.flush();
    // lost once the matcher's timeout (2 s) passed; interval reports tick it
    await new Promise((r) => setTimeout(r, 3000));
    const final = await c.probes.stop(p.info.probe_id, 'test');
    expect(final.drop_sites.map((d) => [d.host, d.reason, d.count])).toEqual([['xtp-drop-b', 'IPV6_TOO_MANY_EXTHDRS', 1]]);
  });

  it('a controller that dies mid-probe: the agent stops the probe when its lease runs out; a new controller sees the agent', async () => {
    const agent: TestAgent = await startTestAgent(nats.url, { hostId: 'xtp-lease-a', vmAddresses: ['10.2.0.1', '10.2.0.2'], heartbeatMs: 2000 });
    closers.push(() => agent.close());
    const c1 = await startController({ nats: { url: nats.url }, listen: '127.0.0.1:0', logger: testLogger(), leaseMs: 1200, renewMs: 300 });
    closers.push(() => c1.close());
    await waitFor(() => c1.registry.get('xtp-lease-a') !== undefined, 2000, 'agent registered with c1');
    const p = await c1.probes.start({ src: '10.2.0.1', dst: '10.2.0.2', proto: '', port: 0, duration_ms: 60_000, interval_ms: 1000, sample_k: 0, sample_n: 0, keep_on_disconnect: true });
    expect(p.info.hosts).toEqual(['xtp-lease-a']); // same host: started once
    expect(agent.agent.probeIds()).toEqual([p.info.probe_id]);
    // renewals keep it alive well past one lease
    await new Promise((r) => setTimeout(r, 2000));
    expect(agent.agent.probeIds()).toEqual([p.info.probe_id]);

    await c1.crash();
    const crashedAt = Date.now();
    expect(agent.agent.probeIds()).toEqual([p.info.probe_id]); // the agent keeps running it for now
    await waitFor(() => agent.agent.probeIds().length === 0, 3000, 'the lease to expire on the agent');
    const took = Date.now() - crashedAt;
    expect(took).toBeGreaterThan(600); // not before the lease (1.2 s after the last renewal)
    expect(agent.tracer.filters.size).toBe(0);

    const t0 = Date.now();
    const c2 = await startController({ nats: { url: nats.url }, listen: '127.0.0.1:0', logger: testLogger() });
    closers.push(() => c2.close());
    // discovery, not the 2 s heartbeat
    await waitFor(() => c2.registry.get('xtp-lease-a')?.state === 'up', 1500, 'the new controller to see the agent');
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(c2.probes.list()).toEqual([]);
  });

  it('controller shutdown stops running probes on the agents', async () => {
    const agent = await startTestAgent(nats.url, { hostId: 'xtp-shut-a', vmAddresses: ['10.3.0.1'] });
    const agentB = await startTestAgent(nats.url, { hostId: 'xtp-shut-b', vmAddresses: ['10.3.0.2'] });
    closers.push(() => agent.close(), () => agentB.close());
    const c = await startController({ nats: { url: nats.url }, listen: '127.0.0.1:0', logger: testLogger() });
    await waitFor(() => c.registry.list().filter((r) => r.host.startsWith('xtp-shut')).length === 2, 2000, 'agents registered');
    const p = await c.probes.start({ src: '10.3.0.1', dst: '10.3.0.2', proto: 'udp', port: 9, duration_ms: 60_000, interval_ms: 1000, sample_k: 1, sample_n: 2, keep_on_disconnect: true });
    expect(p.info.hosts).toEqual(['xtp-shut-a', 'xtp-shut-b']);
    expect(agentB.tracer.filters.get(0)).toMatchObject({ proto: 'udp', port: 9, sampleK: 1, sampleN: 2 });
    await c.close();
    expect(agent.agent.probeIds()).toEqual([]);
    expect(agentB.agent.probeIds()).toEqual([]);
  });
});
