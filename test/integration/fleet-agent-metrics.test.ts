/**
 * The agent's Prometheus /metrics (fake tracer: no BPF): a real Agent on a real nats-server,
 * a probe started by a real NATS command, records from the FakeTracer, the real HTTP endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stage, encodeRecords } from '@xtrace/proto';
import type { MetricsServer } from '@xtrace/proto';
import { sendAgentCommand } from '@xtrace/controller';
import { serveAgentMetrics } from '@xtrace/node-agent/metrics';
import { parseExposition } from '../support/exposition-parser.js';
import { startNatsServer, type NatsServerHandle } from './fleet-nats.js';
import { startTestAgent, waitFor, type TestAgent } from '../support/agents.js';

const HOST = 'xtam-a';

describe('agent /metrics (fake tracer: no BPF)', () => {
  let nats: NatsServerHandle;
  let agent: TestAgent;
  let server: MetricsServer;

  beforeAll(async () => {
    nats = await startNatsServer();
    agent = await startTestAgent(nats.url, {
      hostId: HOST,
      vmAddresses: ['10.0.0.1'],
      flushMs: 50,
      inventory: {
        stages: [
          { stage: 'tap_rx', hook: 'tcx ingress vnet0', attached: true, devices: ['vnet0'], fallbacks: [{ candidate: 'fentry tun_get_user', reason: 'fentry refused' }] },
          { stage: 'ovs_in', attached: false, devices: [], fallbacks: [{ candidate: 'tp openvswitch', reason: 'no openvswitch module' }, { candidate: 'kprobe ovs_vport_receive', reason: 'no kprobes' }] },
        ],
      },
    });
    server = await serveAgentMetrics(agent.agent, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await agent?.close().catch(() => {});
    await nats?.stop();
  });

  const scrape = async () => {
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    return parseExposition(await res.text());
  };
  const value = (fams: Awaited<ReturnType<typeof scrape>>, name: string, labels: Record<string, string> = { host: HOST }) =>
    fams.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

  it('counts events, batches, probes, ring-buffer loss and attach failures', async () => {
    const before = await scrape();
    expect(value(before, 'xtrace_agent_events_total')).toBe(0);
    expect(value(before, 'xtrace_agent_stage_attached', { host: HOST, stage: 'tap_rx', hook: 'tcx ingress vnet0' })).toBe(1);
    expect(value(before, 'xtrace_agent_stage_attached', { host: HOST, stage: 'ovs_in', hook: '' })).toBe(0);
    expect(value(before, 'xtrace_agent_hook_attach_failures', { host: HOST, stage: 'ovs_in' })).toBe(2);

    const nc = await nats.connect('ctl');
    try {
      const started = await sendAgentCommand<{ slot: number }>(nc, HOST, { op: 'startProbe', probeId: 'pam1', src: '10.0.0.1', dst: '10.0.0.2', durationMs: 10_000, leaseMs: 10_000, controllerId: 'test' });
      const mask = 1 << started.slot;
      // 30 records for the probe, 10 for nobody (counted as events, not published)
      for (let i = 0; i < 3; i++) {
        agent.tracer.emit(encodeRecords(Array.from({ length: 10 }, (_, k) => ({ pktId: BigInt(i * 10 + k), stage: Stage.tap_rx, tsNs: 1000n + BigInt(k), probeMask: mask, proto: 1 }))));
      }
      agent.tracer.emit(encodeRecords(Array.from({ length: 10 }, (_, k) => ({ pktId: BigInt(100 + k), stage: Stage.tap_rx, tsNs: 1000n, probeMask: 0, proto: 1 }))));
      agent.tracer.bumpCounter('ringbuf_full', 7);
      agent.tracer.bumpCounter('parse_fail', 2);
      await waitFor(async () => value(await scrape(), 'xtrace_agent_records_published_total') === 30, 3000, 'the 30 records to be published');
      const during = await scrape();
      expect(value(during, 'xtrace_agent_events_total')).toBe(40);
      expect(value(during, 'xtrace_agent_probes_active')).toBe(1);
      expect(value(during, 'xtrace_agent_probes_started_total')).toBe(1);
      expect(value(during, 'xtrace_agent_ringbuf_lost_total')).toBe(7);
      expect(value(during, 'xtrace_agent_kernel_counter_total', { host: HOST, counter: 'parse_fail' })).toBe(2);
      expect(value(during, 'xtrace_agent_batches_published_total')).toBeGreaterThanOrEqual(1);
      expect(value(during, 'xtrace_agent_batch_publish_failures_total')).toBe(0);
      expect(value(during, 'xtrace_agent_events_per_second')).toBeGreaterThan(0);
      await sendAgentCommand(nc, HOST, { op: 'stopProbe', probeId: 'pam1' });
      agent.tracer.bumpCounter('ringbuf_full', 1);
      const after = await scrape();
      expect(value(after, 'xtrace_agent_probes_active')).toBe(0);
      // counters never go back, and only grow by what happened
      expect(value(after, 'xtrace_agent_ringbuf_lost_total')).toBe(8);
      expect(value(after, 'xtrace_agent_events_total')).toBe(40);
    } finally {
      await nc.close();
    }
  });
});
