/**
 * End to end over real sockets: real nats-server, in-process controller (gRPC on a real
 * port), two in-process agents with FakeTracers emitting constructed ICMP exchanges with
 * known per-stage delays, and the real CLI process `xtrace pair --json`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startController, type Controller } from '@xtrace/controller';
import type { PairProbeEvent, PairReport, ProbeInfo, SegmentReport } from '@xtrace/proto';
import { ControllerClient } from '../../cli/src/grpc-client.js';
import { startTestNats, type TestNats } from '../support/nats.js';
import { startTestAgent, testLogger, waitFor, type TestAgent } from '../support/agents.js';
import { PAIR_DELAYS, startPairTraffic } from '../support/pair-traffic.js';
import { runCli } from '../support/cli.js';

const SKEW_B_NS = 5_000_000n; // host B's clock runs 5 ms ahead (agent clock skew knob)

function seg(list: SegmentReport[], from: string, to: string): SegmentReport {
  const s = list.find((x) => x.from === from && x.to === to);
  if (!s) throw new Error(`no segment ${from} -> ${to} in ${JSON.stringify(list.map((x) => `${x.from}->${x.to}`))}`);
  return s;
}

describe('xtrace pair end to end over NATS and gRPC (fake tracer: no BPF)', () => {
  let nats: TestNats;
  let controller: Controller;
  let a: TestAgent;
  let b: TestAgent;
  let traffic: ReturnType<typeof startPairTraffic>;

  beforeAll(async () => {
    nats = await startTestNats();
    a = await startTestAgent(nats.url, { hostId: 'xtp-e2e-a', vmAddresses: ['10.0.0.1'], heartbeatMs: 500 });
    b = await startTestAgent(nats.url, { hostId: 'xtp-e2e-b', vmAddresses: ['10.0.0.2', '10.0.0.3'], heartbeatMs: 500, clockSkewNs: SKEW_B_NS });
    controller = await startController({ nats: { url: nats.url }, listen: '127.0.0.1:0', logger: testLogger() });
    await waitFor(() => controller.registry.list().length === 2, 3000, 'both agents registered');
    traffic = startPairTraffic({ a: a.tracer, b: b.tracer, src: '10.0.0.1', dst: '10.0.0.2', periodMs: 10 });
  });
  afterAll(async () => {
    traffic?.stop();
    await controller?.close().catch(() => {});
    await a?.close().catch(() => {});
    await b?.close().catch(() => {});
    await nats?.stop();
  });

  it('xtrace pair --json prints every segment with the constructed latencies and the clock offset', async () => {
    const r = await runCli(['pair', '--src', '10.0.0.1', '--dst', '10.0.0.2', '--controller', controller.grpcAddress, '--duration', '3s', '--interval', '500ms', '--proto', 'icmp', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as PairReport;
    expect(report.schema).toBe('xtrace.pair/v2');
    expect(report.final).toBe(true);
    expect(report.no_traffic).toBe(false);
    expect(report).not.toHaveProperty('table');
    // interval lines went to stderr (the matcher finalizes packets after its 2 s settle time)
    expect(r.stderr).toMatch(/\[\s*\d+\.\d+s\] fwd \d+ pkts/);

    const fwd = report.directions.forward!;
    const rev = report.directions.reverse!;
    expect(fwd.hosts).toEqual(['xtp-e2e-a', 'xtp-e2e-b']);
    expect(fwd.packets).toBeGreaterThan(50);
    expect(fwd.lost).toBe(0);
    const us = (ns: number): number => ns / 1000;
    const near = (v: number | null, want: number, tol: number): void => {
      expect(v).not.toBeNull();
      expect(Math.abs(v! - want), `${v} vs ${want}`).toBeLessThanOrEqual(tol);
    };
    const fHost = seg(fwd.segments, 'tap_rx', 'nic_tx');
    expect(fHost.kind).toBe('host');
    near(fHost.p50_us, us(PAIR_DELAYS.senderHostNs), 0.5);
    near(fHost.p99_us, us(PAIR_DELAYS.senderHostNs), 0.5);
    const fWire = seg(fwd.segments, 'nic_tx', 'nic_rx');
    expect(fWire.kind).toBe('wire');
    expect(fWire.from_host).toBe('xtp-e2e-a');
    expect(fWire.to_host).toBe('xtp-e2e-b');
    // the 5 ms skew is taken out; what is left is the 100 µs wire within the reported uncertainty
    near(fWire.p50_us, us(PAIR_DELAYS.wireNs), Math.max(1, fWire.uncertainty_us ?? 0));
    expect(fWire.uncertainty_us).not.toBeNull();
    near(seg(fwd.segments, 'nic_rx', 'tap_tx').p50_us, us(PAIR_DELAYS.receiverHostNs), 0.5);
    near(seg(rev.segments, 'tap_rx', 'nic_tx').p50_us, us(PAIR_DELAYS.senderHostNs), 0.5);
    near(seg(rev.segments, 'nic_tx', 'nic_rx').p50_us, us(PAIR_DELAYS.wireNs), Math.max(1, seg(rev.segments, 'nic_tx', 'nic_rx').uncertainty_us ?? 0));

    expect(report.clock.length).toBe(1);
    const clock = report.clock[0]!;
    expect(clock.hosts).toEqual(['xtp-e2e-a', 'xtp-e2e-b']);
    expect(clock.source).toBe('pairs');
    near(clock.offset_us, Number(SKEW_B_NS) / 1000, 1);
    expect(clock.samples).toBeGreaterThan(0);

    // transport accounting: nothing lost or duplicated
    expect(report.hosts.map((h) => [h.host, h.lost_batches, h.lost_records, h.duplicate_batches])).toEqual([
      ['xtp-e2e-a', 0, 0, 0],
      ['xtp-e2e-b', 0, 0, 0],
    ]);
    expect(report.hosts[0]!.records).toBeGreaterThan(100);
    // the probe is gone from the agents
    expect(a.agent.probeIds()).toEqual([]);
    expect(b.agent.probeIds()).toEqual([]);
  });

  it('human output: interval lines then the summary table', async () => {
    const r = await runCli(['pair', '--src', '10.0.0.1', '--dst', '10.0.0.2', '--controller', controller.grpcAddress, '--duration', '1s', '--interval', '300ms']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^probe p\S+: 10\.0\.0\.1 \(xtp-e2e-a\) -> 10\.0\.0\.2 \(xtp-e2e-b\)/);
    // (interval lines: packets are counted once the matcher finalizes them, so a 1 s run may show none yet)
    expect(r.stdout).toMatch(/\[\s*\d+\.\ds\] /);
    expect(r.stdout).toContain('tap_rx');
    expect(r.stdout).toContain('±');
  });

  it('unknown VM address: usage error naming the known VMs, exit 2', async () => {
    const r = await runCli(['pair', '--src', '10.0.0.1', '--dst', '10.9.9.9', '--controller', controller.grpcAddress, '--duration', '1s']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('dst: no agent has seen 10.9.9.9; known VMs: 10.0.0.1 (xtp-e2e-a/vnet0), 10.0.0.2 (xtp-e2e-b/vnet0), 10.0.0.3 (xtp-e2e-b/vnet1)');
    const bad = await runCli(['pair', '--src', 'foo', '--dst', '10.0.0.2', '--controller', controller.grpcAddress]);
    expect(bad.code).toBe(2);
    // not an address: a VM name, which no agent knows here
    expect(bad.stderr).toContain("src: no agent knows a VM named 'foo'; known VM names: (none)");
    const garbage = await runCli(['pair', '--src', 'foo bar', '--dst', '10.0.0.2', '--controller', controller.grpcAddress]);
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toContain("--src: expected an IPv4 or IPv6 address or a VM name (no spaces, commas or semicolons, at most 256 characters), got 'foo bar'");
  });

  it('a probe that sees no matching traffic says so and exits 1', async () => {
    const r = await runCli(['pair', '--src', '10.0.0.1', '--dst', '10.0.0.3', '--controller', controller.grpcAddress, '--duration', '800ms', '--interval', '400ms']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('no matching traffic');
    expect(r.stderr).toContain('saw no matching traffic between 10.0.0.1 and 10.0.0.3');
    expect(r.stdout).not.toMatch(/p50/);
  });

  it('controller unreachable: exit 3', async () => {
    const r = await runCli(['pair', '--src', '10.0.0.1', '--dst', '10.0.0.2', '--controller', '127.0.0.1:1', '--duration', '1s']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('cannot reach the controller at 127.0.0.1:1');
    const viaEnv = await runCli(['agents'], { env: { XTRACE_CONTROLLER: '127.0.0.1:1' } });
    expect(viaEnv.code).toBe(3);
  });

  it('xtrace agents --json lists both agents', async () => {
    const r = await runCli(['agents', '--json'], { env: { XTRACE_CONTROLLER: controller.grpcAddress } });
    expect(r.code, r.stderr).toBe(0);
    const { agents } = JSON.parse(r.stdout) as { agents: { host: string; state: string; vms: { addresses: string[] }[] }[] };
    expect(agents.map((x) => [x.host, x.state, x.vms.flatMap((v) => v.addresses)])).toEqual([
      ['xtp-e2e-a', 'up', ['10.0.0.1']],
      ['xtp-e2e-b', 'up', ['10.0.0.2', '10.0.0.3']],
    ]);
  });

  it('the client going away stops the probe on every agent', async () => {
    const run = runCli(['pair', '--src', '10.0.0.1', '--dst', '10.0.0.2', '--controller', controller.grpcAddress, '--duration', '30s']);
    await waitFor(() => a.agent.probeIds().length === 1 && b.agent.probeIds().length === 1, 5000, 'the probe to run on both agents');
    const probeId = a.agent.probeIds()[0]!;
    // killed as soon as the agents run the probe, before the controller even answered the
    // start: the CLI's one stream starts and watches the probe, so it stops at once, not
    // when the orphan timer (15 s) finds nobody watching
    run.kill('SIGKILL');
    await run;
    await waitFor(() => a.agent.probeIds().length === 0 && b.agent.probeIds().length === 0, 3000, 'the probe to stop after the client died');
    const p = controller.probes.get(probeId);
    await waitFor(() => p?.state === 'done', 2000, 'the final report');
    expect(p?.finalReport?.message).toContain('client went away');
  });

  it('RunPairProbe: the stream watches the probe from its first message; cancelling it stops the probe', async () => {
    const client = new ControllerClient(controller.grpcAddress);
    try {
      const stream = client.stream('RunPairProbe', { src: '10.0.0.1', dst: '10.0.0.2', proto: 'icmp', duration_ms: 30_000 });
      const started = await new Promise<ProbeInfo>((resolve, reject) => {
        stream.once('data', (ev: PairProbeEvent) => (ev.kind === 'started' ? resolve(ev.started) : reject(new Error(`first event ${ev.kind}`))));
        stream.once('error', reject);
      });
      const p = controller.probes.get(started.probe_id);
      // StartPairProbe + WatchProbe left a window here with nobody watching (the orphan timer's, 15 s)
      expect(p?.watchers).toBe(1);
      expect(a.agent.probeIds()).toContain(started.probe_id);
      stream.on('error', () => {}); // the cancel surfaces as CANCELLED
      stream.cancel();
      await waitFor(() => p?.state === 'done', 3000, 'the probe to stop once its stream was cancelled');
      expect(p?.finalReport?.message).toContain('client went away');
      expect(a.agent.probeIds()).not.toContain(started.probe_id);
    } finally {
      client.close();
    }
  });
});
