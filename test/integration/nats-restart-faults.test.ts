/**
 * The only nats-server is killed and restarted on the same port mid-probe (fake tracer: no
 * BPF): the agents and the controller reconnect on their own (proto nats-options.ts: reconnect
 * forever), the probe completes, and what its agents published while the server was gone is
 * either delivered (buffered by the client) or counted lost by the sequence gap, never silent:
 * records sent = records received + records the report counts lost (lost_records).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../controller/src/controller.js';
import type { PairReport } from '@xtrace/proto';
import { waitFor, type TestAgent } from '../support/agents.js';
import { startPairFixture, type PairFixture } from '../support/pair-fixture.js';
import { formatAccounting, transportAccounting } from '../support/transport-accounting.js';
import type { RestartableNatsServer } from './fleet-nats.js';

const SRC = '10.8.0.1';
const DST = '10.8.0.2';
const HOST_A = 'xtr-a';
const HOST_B = 'xtr-b';
/** one exchange = 4 records per host (pair-traffic.ts); one batch per exchange */
const RECORDS_PER_BATCH = 4;

describe('the nats-server restarts mid-probe (fake tracer: no BPF)', () => {
  let nats: RestartableNatsServer;
  let a: TestAgent;
  let b: TestAgent;
  let ctl: Controller;
  let fixture: PairFixture | undefined;

  beforeAll(async () => {
    fixture = await startPairFixture({ src: SRC, dst: DST, hostA: HOST_A, hostB: HOST_B, agents: { maxBatchRecords: RECORDS_PER_BATCH, idleBatchMs: 3_600_000 } });
    ({ nats, a, b, ctl } = fixture);
  }, 60_000);

  afterAll(() => fixture?.close(), 60_000);

  it('agents and controller reconnect; every batch published meanwhile is delivered or counted lost', async () => {
    const probe = await ctl.probes.start({ src: SRC, dst: DST, proto: '', port: 0, duration_ms: 6000, interval_ms: 1000, sample_k: 0, sample_n: 0, keep_on_disconnect: true });
    const id = probe.info.probe_id;
    const final = new Promise<PairReport>((resolve) => probe.once('final', resolve));
    const received = (): string => [HOST_A, HOST_B].map((h) => `${h}: ${probe.streams.get(h)?.seq.received ?? 0}`).join(', ');
    await waitFor(() => [HOST_A, HOST_B].every((h) => (probe.streams.get(h)?.seq.received ?? 0) >= 10), 10_000, `batches from both hosts (received ${received()})`);

    await nats.kill();
    const killedAt = Date.now();
    // the agents go on publishing while the server is gone (their client buffers it)
    const atKill = [a, b].map((t) => t.sent(id).batches);
    await waitFor(() => [a, b].every((t, i) => t.sent(id).batches >= atKill[i]! + 10), 10_000, 'the agents to publish while the server is down');
    await nats.start();
    const downMs = Date.now() - killedAt;

    // everyone is back: the agents' heartbeats reach the controller, and so do their batches
    const receivedAtRestart = [HOST_A, HOST_B].map((h) => probe.streams.get(h)?.seq.received ?? 0);
    await waitFor(
      () => !a.nc.isClosed() && !b.nc.isClosed() && !ctl.nc.isClosed() && [HOST_A, HOST_B].every((h, i) => (probe.streams.get(h)?.seq.received ?? 0) >= receivedAtRestart[i]! + 10),
      15_000,
      `batches after the restart (received ${received()})`,
    );
    const hbAt = Date.now();
    await waitFor(() => [HOST_A, HOST_B].every((h) => (ctl.registry.get(h)?.lastSeenMs ?? 0) > hbAt), 10_000, 'heartbeats after the restart');
    expect([HOST_A, HOST_B].map((h) => ctl.registry.get(h)?.state)).toEqual(['up', 'up']);

    const report = await final;
    expect(report.state, report.message).toBe('done');
    const acc = transportAccounting(report, [a, b].map((t) => ({ host: t.hostId, sent: t.sent(id) })));
    console.log(`server down ${downMs} ms\n${formatAccounting(acc.lines)}`);
    expect(acc.mismatches, formatAccounting(acc.lines)).toEqual([]);
    // batches published while the server was down: delivered after the reconnect, or counted lost
    for (const [i, l] of acc.lines.entries()) expect(l.sentBatches, l.host).toBeGreaterThanOrEqual(atKill[i]! + 10);

    // the controller's fleet layer works again: the probe's summary reaches history
    await waitFor(async () => (await ctl.fleet!.history.read({ probeId: id })).some((r) => r.report.kind === 'summary'), 15_000, 'the summary in history');
  }, 60_000);
});
