/**
 * A controller that starts while one node of its 3-node JetStream cluster is dead (real
 * nats-server processes): the fleet layer opens its stream and buckets and three watches (alert
 * rules, probe slots, schedules), and a history follow starts.
 *
 * nats-server 2.9 places about one ordered consumer in three on the dead node, and creating it
 * times out. Before controller/src/fleet/jetstream-watch.ts, 4 of 15 KV watch creations failed
 * with TIMEOUT (so most controller starts did, having three), and a history follow said nothing
 * for up to 2 minutes, then failed; opening the history stream during the meta leader's election
 * failed at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from 'nats';
import { pino } from 'pino';
import { FleetService } from '../../controller/src/fleet/fleet-service.js';
import { HistoryStore } from '../../controller/src/fleet/history-store.js';
import { ScheduleStore } from '../../controller/src/fleet/schedule-store.js';
import { AlertStore } from '../../controller/src/fleet/alert-store.js';
import type { ProbeReport } from '../../controller/src/fleet/probe-report.js';
import { startNatsCluster, type NatsCluster } from './fleet-nats.js';

const STARTS = 6;
const pair = { src: '192.168.1.10', dst: '192.168.1.20' };
const summary = (probeId: string): ProbeReport => ({ probeId, pair, kind: 'summary', at: Date.now(), segments: [] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let cluster: NatsCluster;
const conns: NatsConnection[] = [];
beforeAll(async () => {
  cluster = await startNatsCluster(3);
}, 60_000);
afterAll(async () => {
  for (const nc of conns) if (!nc.isClosed()) await nc.close().catch(() => undefined);
  await cluster?.stop();
}, 60_000);

describe('a controller starting with a cluster node down (3 real nats-servers, R3 stream and buckets)', () => {
  it('starts every time, follows its schedules, and its history follow delivers', async () => {
    const setup = await cluster.connect('setup');
    conns.push(setup);
    const placement = { replicas: 3 };
    const options = (nc: NatsConnection, controllerId: string) => ({
      nc,
      controllerId,
      placement,
      inventory: { listAgents: async () => [] },
      runProbe: async (): Promise<ProbeReport> => summary(`run-${controllerId}`),
      logger: pino({ level: 'silent' }),
    });
    // the first controller creates the stream and buckets with every node up
    await (await FleetService.start(options(setup, 'c0'))).stop();
    await (await HistoryStore.open(setup, placement)).append(summary('before-kill'));
    await (await ScheduleStore.open(setup)).add({ name: 'nightly', every: '24h', duration: '2s', pairs: { pairs: [pair] } });
    await (await AlertStore.open(setup)).add({ name: 'wire', selector: 'all-cross-host', segmentKind: 'wire', metric: 'p99', threshold: 100, for: '0s', cooldown: '0s', sinks: [{ type: 'nats', subject: 'ops.alerts' }] });
    await setup.close();

    await cluster.kill(1);
    const rounds: string[] = [];
    for (let i = 1; i <= STARTS; i++) {
      const nc = await cluster.connect(`controller-${i}`);
      conns.push(nc);
      const t0 = Date.now();
      const fleet = await FleetService.start(options(nc, `c${i}`));
      const started = Date.now() - t0;
      try {
        // the schedules watch delivered what the bucket holds
        for (let k = 0; k < 100 && fleet.schedulerInstance?.knownSchedules().length !== 1; k++) await sleep(50);
        expect(fleet.schedulerInstance?.knownSchedules().map((s) => s.name)).toEqual(['nightly']);
        // a follow from the beginning delivers the report stored before the kill
        const stop = new AbortController();
        const t1 = Date.now();
        const first = await fleet.history.watch({ from: 0, signal: stop.signal }).next();
        stop.abort();
        expect(first.done).toBe(false);
        if (!first.done) expect(first.value.report.probeId).toBe('before-kill');
        rounds.push(`start ${started} ms, follow ${Date.now() - t1} ms`);
      } finally {
        await fleet.stop();
        await nc.close();
      }
    }
    console.log(`node xt-n1 killed; ${STARTS} controller starts: ${rounds.join('; ')}`);
  }, 300_000);
});
