/**
 * The fleet layer wired into a real `xtrace controller` process (fake tracer: no BPF): real
 * nats-server with JetStream, the controller as a child process (cli/bin/xtrace.js), two
 * in-process agents with FakeTracers fed constructed ICMP exchanges (wire 100 µs), the real
 * CLI for `schedule`, `alert`, `history` and `pair`, a real HTTP server as alert webhook,
 * and the controller's Prometheus /metrics.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeTracer } from '@xtrace/node-agent';
import type { HistoryRecord } from '@xtrace/controller';
import { parseExposition } from '../support/exposition-parser.js';
import { startNatsServer, type NatsServerHandle } from './fleet-nats.js';
import { startTestAgent, waitFor, type TestAgent } from '../support/agents.js';
import { PAIR_DELAYS, startPairTraffic } from '../support/pair-traffic.js';
import { XTRACE_BIN, runCli } from '../support/cli.js';

const SRC = '10.0.0.1';
const DST = '10.0.0.2';
const HOST_A = 'xtw-a';
const HOST_B = 'xtw-b';

/** ICMP exchanges SRC@A <-> DST@B with PAIR_DELAYS, seen by every probe filtering the pair. */
function startTraffic(a: FakeTracer, b: FakeTracer, periodMs = 10): () => void {
  return startPairTraffic({ a, b, src: SRC, dst: DST, periodMs }).stop;
}

interface ControllerProc {
  child: ChildProcess;
  grpc: string;
  metricsUrl: string;
  stderr: () => string;
}

async function startControllerProcess(natsUrl: string): Promise<ControllerProc> {
  const child = spawn(process.execPath, [XTRACE_BIN, 'controller', '--nats', natsUrl, '--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, XTRACE_NATS_URL: '' },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  await waitFor(() => /metrics: \S+/.test(out) || child.exitCode !== null, 15_000, 'the controller to print its addresses');
  if (child.exitCode !== null) throw new Error(`controller exited ${child.exitCode}: ${err}`);
  return { child, grpc: /grpc: (\S+)/.exec(out)![1]!, metricsUrl: /metrics: (\S+)/.exec(out)![1]!, stderr: () => err };
}

interface Hook {
  server: Server;
  url: string;
  bodies: Record<string, unknown>[];
}

async function startHook(): Promise<Hook> {
  const bodies: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    let b = '';
    req.on('data', (d: Buffer) => (b += d.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(b) as Record<string, unknown>);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no address');
  return { server, url: `http://127.0.0.1:${addr.port}/`, bodies };
}

async function history(controller: string): Promise<HistoryRecord[]> {
  const r = await runCli(['history', '--pair', `${SRC},${DST}`, '--json', '--controller', controller]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { records: HistoryRecord[] }).records;
}

describe('fleet layer wired into the controller process (fake tracer: no BPF)', () => {
  let nats: NatsServerHandle;
  let ctl: ControllerProc;
  let a: TestAgent;
  let b: TestAgent;
  let hook: Hook;
  let stopTraffic: (() => void) | undefined;

  beforeAll(async () => {
    nats = await startNatsServer();
    hook = await startHook();
    a = await startTestAgent(nats.url, { hostId: HOST_A, vmAddresses: [SRC], heartbeatMs: 500 });
    b = await startTestAgent(nats.url, { hostId: HOST_B, vmAddresses: [DST], heartbeatMs: 500 });
    ctl = await startControllerProcess(nats.url);
    stopTraffic = startTraffic(a.tracer, b.tracer);
  }, 30_000);

  afterAll(async () => {
    stopTraffic?.();
    if (ctl !== undefined && ctl.child.exitCode === null) {
      const exited = new Promise<void>((r) => ctl.child.once('exit', () => r()));
      ctl.child.kill('SIGTERM');
      const t = setTimeout(() => ctl.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    await a?.close().catch(() => {});
    await b?.close().catch(() => {});
    hook?.server.closeAllConnections();
    await new Promise((r) => (hook ? hook.server.close(r) : r(undefined)));
    await nats?.stop();
  });

  it('schedule -> history, alert -> webhook, reports -> /metrics, each report counted once', async () => {
    const add = await runCli(['schedule', 'add', 'wired', '--every', '1s', '--duration', '1s', '--pairs', `${SRC},${DST}`, '--controller', ctl.grpc]);
    expect(add.code, add.stderr).toBe(0);
    const rule = await runCli(['alert', 'add', 'wire-slow', '--pairs', `${SRC},${DST}`, '--segment', 'wire', '--metric', 'p50', '--above', '10us', '--for', '0s', '--webhook', hook.url, '--controller', ctl.grpc]);
    expect(rule.code, rule.stderr).toBe(0);

    // the webhook got a firing event for the wire segment of this pair from a scheduled probe:
    // the matcher reports a packet once it has settled (~2 s), so a 1 s probe brings all its
    // packets in its summary, and the summary is what the rule is evaluated on
    await waitFor(() => hook.bodies.some((x) => x['state'] === 'firing'), 30_000, 'the webhook to receive a firing alert');
    const firing = hook.bodies.find((x) => x['state'] === 'firing')!;
    expect(firing).toMatchObject({ rule: 'wire-slow', pair: { src: SRC, dst: DST }, metric: 'p50', threshold: 10, segment: { kind: 'wire' } });
    expect(firing['probeId']).toMatch(/^sched-wired-/);

    // an interactive probe too (interval reports)
    const pair = await runCli(['pair', '--src', SRC, '--dst', DST, '--controller', ctl.grpc, '--duration', '4s', '--interval', '500ms', '--json']);
    expect(pair.code, pair.stderr).toBe(0);
    const adhocId = (JSON.parse(pair.stdout) as { probe_id: string }).probe_id;
    expect(Math.abs((firing['value'] as number) - PAIR_DELAYS.wireNs / 1000)).toBeLessThan(5);
    // once per episode and wire segment (forward and reverse are two segments)
    const firingKeys = hook.bodies.filter((x) => x['state'] === 'firing').map((x) => JSON.stringify(x['segment']));
    expect(new Set(firingKeys).size).toBe(firingKeys.length);

    // scheduled summaries reach history (and the schedule kept running meanwhile)
    let recs: HistoryRecord[] = [];
    await waitFor(
      async () => {
        recs = await history(ctl.grpc);
        return recs.some((r) => r.report.kind === 'summary' && r.report.probeId.startsWith('sched-wired-') && r.report.segments.some((s) => s.kind === 'wire' && s.count > 0));
      },
      30_000,
      'a scheduled summary with wire segments in history',
    );
    const rm = await runCli(['schedule', 'rm', 'wired', '--controller', ctl.grpc]);
    expect(rm.code, rm.stderr).toBe(0);
    const sched = recs.find((r) => r.report.kind === 'summary' && r.report.probeId.startsWith('sched-wired-') && r.report.segments.some((s) => s.kind === 'wire' && s.count > 0))!;
    const wire = sched.report.segments.find((s) => s.kind === 'wire' && s.from === `${HOST_A}.nic_tx`)!;
    expect(wire.to).toBe(`${HOST_B}.nic_rx`);
    expect(Math.abs(wire.p50_us - PAIR_DELAYS.wireNs / 1000)).toBeLessThan(5);

    // let every started probe finish (1 s + stop), then: exactly one summary per probe, and
    // the packet counter equals the sum of the summaries (intervals + summary counted once)
    await new Promise((r) => setTimeout(r, 1200)); // a run claimed just before the rm
    await waitFor(
      async () => {
        const r = await runCli(['probes', '--json', '--controller', ctl.grpc]);
        const { probes } = JSON.parse(r.stdout) as { probes: { state: string }[] };
        return probes.every((p) => p.state === 'done' || p.state === 'failed');
      },
      30_000,
      'every probe to finish',
    );
    await new Promise((r) => setTimeout(r, 300)); // the last history appends
    recs = await history(ctl.grpc);
    const summaries = recs.filter((r) => r.report.kind === 'summary');
    const perProbe = new Map<string, number>();
    for (const r of summaries) perProbe.set(r.report.probeId, (perProbe.get(r.report.probeId) ?? 0) + 1);
    expect([...perProbe.values()].every((n) => n === 1), JSON.stringify([...perProbe])).toBe(true);
    expect(perProbe.has(adhocId)).toBe(true);
    const scheduled = [...perProbe.keys()].filter((id) => id.startsWith('sched-wired-'));
    expect(scheduled.length).toBeGreaterThanOrEqual(1);
    expect(recs.some((r) => r.report.kind === 'interval' && r.report.probeId === adhocId)).toBe(true);

    const res = await fetch(ctl.metricsUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const fams = parseExposition(await res.text());
    const segment = `${HOST_A}.nic_tx>${HOST_B}.nic_rx`;
    const packets = fams.get('xtrace_segment_packets_total')?.samples.find((s) => s.labels['src'] === SRC && s.labels['dst'] === DST && s.labels['segment'] === segment);
    expect(packets?.labels).toMatchObject({ src: SRC, dst: DST, kind: 'wire' });
    const summed = summaries.reduce((n, r) => n + (r.report.segments.find((s) => s.from === `${HOST_A}.nic_tx` && s.to === `${HOST_B}.nic_rx`)?.count ?? 0), 0);
    expect(summed).toBeGreaterThan(100);
    expect(packets?.value).toBe(summed);
    // the latency histogram holds every counted packet, the wire's 100 µs in the (64, 128] µs bucket
    const hist = (fams.get('xtrace_segment_latency_seconds')?.samples ?? []).filter((s) => s.labels['src'] === SRC && s.labels['dst'] === DST && s.labels['segment'] === segment);
    const le = (v: string) => hist.find((s) => s.name.endsWith('_bucket') && s.labels['le'] === v)?.value ?? Number.NaN;
    expect(hist.find((s) => s.name.endsWith('_count'))?.value).toBe(summed);
    expect(le('+Inf')).toBe(summed);
    expect(le('0.000128') - le('0.000064')).toBeGreaterThan(summed / 2);
    const q = fams.get('xtrace_segment_latency_quantile_seconds')?.samples.find((s) => s.labels['segment'] === segment && s.labels['quantile'] === '0.5');
    expect(Math.abs(q!.value - PAIR_DELAYS.wireNs / 1e9)).toBeLessThan(5e-6);
    const probes = fams.get('xtrace_probes_total')?.samples ?? [];
    expect(probes.find((s) => s.labels['origin'] === 'scheduled' && s.labels['result'] === 'ok')?.value).toBeGreaterThanOrEqual(1);
    expect(probes.find((s) => s.labels['origin'] === 'adhoc' && s.labels['result'] === 'ok')?.value).toBe(1);
    expect(fams.get('xtrace_events_total')?.samples.find((s) => s.labels['host'] === HOST_A)?.value).toBeGreaterThan(0);
    expect(fams.get('xtrace_alert_events_total')?.samples.find((s) => s.labels['rule'] === 'wire-slow' && s.labels['state'] === 'firing')?.value).toBeGreaterThanOrEqual(1);
    expect(fams.get('xtrace_alert_deliveries_total')?.samples.find((s) => s.labels['sink'] === 'webhook' && s.labels['result'] === 'ok')?.value).toBeGreaterThanOrEqual(1);
    expect(fams.get('xtrace_scheduler_events_total')?.samples.find((s) => s.labels['event'] === 'run-done')?.value).toBeGreaterThanOrEqual(1);
  }, 120_000); // the waits below are bounds on a loaded machine (CLI starts take seconds there), not the property tested
});
