/**
 * The broker fails (fake tracer: no BPF): a 3-node nats-server cluster with JetStream on
 * loopback, two controllers and two agents connected with all three URLs, the fleet's KV
 * buckets and history stream at 3 replicas (--js-replicas 3). One node is killed while an ad
 * hoc probe and a scheduled run are going: the probe completes with every batch and record
 * its agents sent either received or counted lost, schedules keep firing once per slot, and
 * history keeps every report stored before the kill.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from 'nats';
import { startController, type Controller } from '../../controller/src/controller.js';
import { ALERTS_BUCKET, HISTORY_STREAM, PROBE_SLOTS_BUCKET, SCHEDULES_BUCKET, SCHEDULE_RUNS_BUCKET } from '@xtrace/proto';
import { HistoryStore } from '../../controller/src/fleet/history-store.js';
import { openScheduleRunsKv } from '../../controller/src/fleet/kv-buckets.js';
import { decodeClaim, runKey, type RunClaim } from '../../controller/src/fleet/run-claim.js';
import { ScheduleStore } from '../../controller/src/fleet/schedule-store.js';
import type { PairReport } from '@xtrace/proto';
import { eventually, retried, startTestAgent, testLogger, waitFor, type TestAgent } from '../support/agents.js';
import { startPairTraffic } from '../support/pair-traffic.js';
import { formatAccounting, transportAccounting } from '../support/transport-accounting.js';
import { startNatsCluster, type NatsCluster } from './fleet-nats.js';

const SRC = '10.7.0.1';
const DST = '10.7.0.2';
const HOST_A = 'xtc-a';
const HOST_B = 'xtc-b';
/** one exchange = 4 records per host (pair-traffic.ts); one batch per exchange */
const RECORDS_PER_BATCH = 4;
const EVERY_MS = 3000;

function agentOptions(hostId: string, vm: string) {
  return { hostId, vmAddresses: [vm], heartbeatMs: 500, maxBatchRecords: RECORDS_PER_BATCH, idleBatchMs: 3_600_000 };
}

/** the index of the cluster node a connection is on */
function nodeOf(cluster: NatsCluster, nc: NatsConnection): number {
  const port = nc.info?.port;
  const i = cluster.urls.findIndex((u) => u.endsWith(`:${port}`));
  if (i < 0) throw new Error(`connection on port ${port} is on none of ${cluster.urls.join(', ')}`);
  return i;
}

/**
 * The claims of a schedule's slots from `createdAt` on, read key by key (a KV get goes to the
 * stream leader; listing keys would create an ephemeral consumer, which nats-server 2.9 may
 * place on the dead node).
 */
async function claims(nc: NatsConnection, schedule: string, createdAt: number): Promise<RunClaim[]> {
  const kv = await openScheduleRunsKv(nc);
  const out: RunClaim[] = [];
  for (let slot = createdAt; slot <= Date.now(); slot += EVERY_MS) {
    const e = await kv.get(runKey(schedule, slot));
    if (e !== null && e.operation === 'PUT') out.push(decodeClaim(e.value));
  }
  return out;
}

describe('a 3-node NATS cluster loses a node mid-probe and mid-schedule (fake tracer: no BPF)', () => {
  let cluster: NatsCluster;
  let a: TestAgent;
  let b: TestAgent;
  const ctls: Controller[] = [];
  let observer: NatsConnection | undefined;
  let stopTraffic: (() => void) | undefined;

  beforeAll(async () => {
    cluster = await startNatsCluster(3);
    a = await startTestAgent(cluster.url, agentOptions(HOST_A, SRC));
    b = await startTestAgent(cluster.url, agentOptions(HOST_B, DST));
    for (let i = 0; i < 2; i++) ctls.push(await startController({ nats: { url: cluster.url }, listen: '127.0.0.1:0', logger: testLogger(), jsReplicas: 3 }));
    for (const c of ctls) await waitFor(() => c.registry.get(HOST_A)?.state === 'up' && c.registry.get(HOST_B)?.state === 'up', 15_000, `controller ${c.id} to see both agents`);
    stopTraffic = startPairTraffic({ a: a.tracer, b: b.tracer, src: SRC, dst: DST, periodMs: 20 }).stop;
  }, 60_000);

  afterAll(async () => {
    stopTraffic?.();
    for (const c of ctls) await c.close().catch(() => {});
    await a?.close().catch(() => {});
    await b?.close().catch(() => {});
    if (observer !== undefined && !observer.isClosed()) await observer.close();
    await cluster?.stop();
  }, 60_000);

  it('keeps the probe, its accounting, the schedule and history across a node kill', async () => {
    observer = await cluster.connect('observer');
    const jsm = await observer.jetstreamManager();
    const stored = [HISTORY_STREAM, ...[SCHEDULES_BUCKET, SCHEDULE_RUNS_BUCKET, PROBE_SLOTS_BUCKET, ALERTS_BUCKET].map((k) => `KV_${k}`)];
    for (const s of stored) expect((await jsm.streams.info(s)).config.num_replicas, `${s} replicas`).toBe(3);

    const store = await ScheduleStore.open(observer);
    const sched = await store.add({ name: 'cluster-faults', every: `${EVERY_MS}ms`, duration: '2s', pairs: { pairs: [{ src: SRC, dst: DST }] } });

    // wait for a scheduled run to be going, on whichever controller won it
    let runner: Controller | undefined;
    await waitFor(() => (runner = ctls.find((c) => c.probes.list().some((p) => p.probe_id.startsWith('sched-') && p.state === 'running'))) !== undefined, 15_000, 'a scheduled probe to run');
    const ctl = runner!;
    const scheduledId = ctl.probes.list().find((p) => p.probe_id.startsWith('sched-') && p.state === 'running')!.probe_id;

    // an ad hoc probe on the same controller
    const probe = await ctl.probes.start({ src: SRC, dst: DST, proto: '', port: 0, duration_ms: 5000, interval_ms: 1000, sample_k: 0, sample_n: 0, keep_on_disconnect: true });
    const final = new Promise<PairReport>((resolve) => probe.once('final', resolve));
    await waitFor(() => [HOST_A, HOST_B].every((h) => (probe.streams.get(h)?.seq.received ?? 0) >= 10), 10_000, 'the probe to receive batches from both hosts');

    // reports stored before the kill: the first interval reports of both probes
    const history = await HistoryStore.open(observer);
    let before: Awaited<ReturnType<HistoryStore['read']>> = [];
    await waitFor(async () => (before = await history.read()).filter((r) => r.report.kind === 'interval').length >= 2, 10_000, 'interval reports in history');

    // kill the node the probe's controller is on, while both probes run
    const killed = nodeOf(cluster, ctl.nc);
    const killedAt = Date.now();
    await cluster.kill(killed);
    await waitFor(() => !ctl.nc.isClosed() && ctl.nc.info !== undefined && nodeOf(cluster, ctl.nc) !== killed, 15_000, `the controller to reconnect away from node ${killed}`);
    const reconnectedMs = Date.now() - killedAt;

    const report = await final;
    expect(report.state, report.message).toBe('done');
    const acc = transportAccounting(report, [a, b].map((t) => ({ host: t.hostId, sent: t.sent(probe.info.probe_id) })));
    console.log(`node ${killed} killed; controller back after ${reconnectedMs} ms\nad hoc probe:\n${formatAccounting(acc.lines)}`);
    expect(acc.mismatches, formatAccounting(acc.lines)).toEqual([]);
    expect(acc.lines.every((l) => l.receivedRecords > 0)).toBe(true);

    // the scheduled probe that ran across the kill
    await waitFor(() => ctl.probes.get(scheduledId)?.finalReport !== undefined, 15_000, `scheduled probe ${scheduledId} to end`);
    const schedReport = ctl.probes.get(scheduledId)!.finalReport!;
    const schedAcc = transportAccounting(schedReport, [a, b].map((t) => ({ host: t.hostId, sent: t.sent(scheduledId) })));
    console.log(`scheduled probe ${scheduledId}:\n${formatAccounting(schedAcc.lines)}`);
    expect(schedAcc.mismatches, formatAccounting(schedAcc.lines)).toEqual([]);

    // two more slots after the kill run to the end, then pause
    await eventually(async () => (await claims(observer!, sched.name, sched.createdAt)).filter((c) => c.slot > killedAt && c.state === 'done').length >= 2, 20_000, 'two runs after the kill to finish');
    await store.setPaused(sched.name, true);
    const pausedAt = Date.now();
    // a slot due as the pause was written may still have been claimed: wait past it
    await eventually(async () => Date.now() > pausedAt + EVERY_MS && (await claims(observer!, sched.name, sched.createdAt)).every((c) => c.state === 'done'), 20_000, 'every run to finish');

    // every slot from creation to the pause: one claim, done, run once (no takeover, one attempt)
    const runs = await retried(() => claims(observer!, sched.name, sched.createdAt), 10_000, 'the run claims');
    const seen = runs.map((r) => `${r.slot - sched.createdAt}ms ${r.state} owner=${r.owner} takeovers=${r.takeovers} pairs=${JSON.stringify(r.pairs?.map((p) => [p.state, p.attempts]))}`).join('\n');
    const slots = runs.map((r) => r.slot);
    const expected: number[] = [];
    for (let s = sched.createdAt; s <= slots[slots.length - 1]!; s += EVERY_MS) expected.push(s);
    expect(slots, seen).toEqual(expected);
    expect(slots[slots.length - 1]! <= pausedAt + EVERY_MS, seen).toBe(true);
    for (const r of runs) {
      expect(r.pairs?.map((p) => p.state), seen).toEqual(['done']);
      expect(r.pairs?.[0]?.attempts, seen).toBe(1);
    }

    // history: everything stored before the kill is still there; a summary of every run and of the ad hoc probe
    const wanted = [probe.info.probe_id, ...runs.map((r) => r.pairs?.[0]?.probeId ?? `(run ${r.slot} has no probe id)`)];
    let notStored: string[] = wanted;
    await eventually(async () => {
      const ids = new Set((await history.read()).filter((r) => r.report.kind === 'summary').map((r) => r.report.probeId));
      notStored = wanted.filter((id) => !ids.has(id));
      return notStored.length === 0;
    }, 15_000, 'the summaries of the ad hoc probe and of every run in history').catch((e: unknown) => {
      throw new Error(`${(e as Error).message}; not stored: ${notStored.join(' ')}`);
    });
    const after = await retried(() => history.read(), 10_000, 'history');
    const afterSeqs = new Set(after.map((r) => r.seq));
    const missing = before.filter((r) => !afterSeqs.has(r.seq));
    expect(missing.map((r) => `${r.seq} ${r.report.probeId} ${r.report.kind}`), `of ${before.length} records stored before the kill`).toEqual([]);
    const summaries = after.filter((r) => r.report.kind === 'summary' && r.report.probeId.startsWith(`sched-${sched.name}-`));
    expect(summaries.length, summaries.map((r) => r.report.probeId).join(' ')).toBe(runs.length);
    console.log(`${runs.length} runs, each once:\n${seen}\nhistory: ${before.length} records before the kill, ${after.length} after`);
  }, 60_000);
});
