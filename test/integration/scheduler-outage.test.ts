/**
 * The only nats-server is down for longer than two schedule periods (real JetStream, a real
 * restart on the same port and store): the slot that came due meanwhile is claimed and run once
 * JetStream answers again, not skipped because the scheduler stopped looking at it after two
 * periods (scheduler.ts unansweredRetryMs). Every other slot runs once too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { pino } from 'pino';
import { ScheduleStore } from '../../controller/src/fleet/schedule-store.js';
import { Scheduler, type RunProbeFn } from '../../controller/src/fleet/scheduler.js';
import { openScheduleRunsKv } from '../../controller/src/fleet/kv-buckets.js';
import { decodeClaim, runKey } from '../../controller/src/fleet/run-claim.js';
import type { AgentInventory } from '../../controller/src/fleet/pair-selector.js';
import { startNatsServer, type RestartableNatsServer } from './fleet-nats.js';
import { waitFor } from '../support/agents.js';

const EVERY_MS = 2000;
/** longer than 2 periods: the old window (current and previous slot) had moved past the slot */
const DOWN_MS = 2 * EVERY_MS + 1500;

const inventory: AgentInventory = { listAgents: async () => [{ hostId: 'hv-a', vms: [{ address: '10.0.0.1' }, { address: '10.0.0.2' }] }] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sleepUntil = (t: number): Promise<unknown> => sleep(Math.max(0, t - Date.now()));

describe('a schedule across a nats-server outage longer than two periods', () => {
  let nats: RestartableNatsServer;
  let nc: NatsConnection | undefined;

  beforeAll(async () => {
    nats = await startNatsServer();
  }, 30_000);

  afterAll(async () => {
    if (nc !== undefined && !nc.isClosed()) await nc.close();
    await nats?.stop();
  }, 30_000);

  it('claims the slot that came due while JetStream was gone once it answers, and every slot once', async () => {
    nc = await connect({ servers: nats.url, name: 'ctl-outage', maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    const runs: { slot: number; at: number }[] = [];
    const runProbe: RunProbeFn = async (pair, o) => {
      runs.push({ slot: o.slot, at: Date.now() });
      return { probeId: o.probeId, pair, kind: 'summary', at: Date.now(), segments: [] };
    };
    const store = await ScheduleStore.open(nc);
    const s = await store.add({ name: 'outage', every: '2s', duration: '100ms', pairs: { pairs: [{ src: '10.0.0.1', dst: '10.0.0.2' }] } });
    const sched = new Scheduler({ nc, controllerId: 'A', runProbe, inventory, tickMs: 50, leaseMs: 1000, logger: pino({ level: process.env['XT_DEBUG'] ? 'debug' : 'silent' }) });
    await sched.start();
    try {
      // down from just before slot 2 until after slot 4 came due: slot 2 falls out of the
      // (current, previous) window at slot 4's start + 2 s, before the server is back
      const missedSlot = s.createdAt + 2 * EVERY_MS;
      await sleepUntil(missedSlot - 300);
      await nats.kill();
      const downAt = Date.now();
      await sleepUntil(downAt + DOWN_MS);
      await nats.start();
      const upAt = Date.now();
      // every slot up to one that came due well after the restart
      const expected = [0, 1, 2, 3, 4, 5, 6].map((k) => s.createdAt + k * EVERY_MS);
      const line = (): string => runs.map((r) => `+${r.slot - s.createdAt}ms@+${r.at - s.createdAt}ms`).join(' ');
      await waitFor(() => expected.every((slot) => runs.some((r) => r.slot === slot)), expected.at(-1)! - Date.now() + 20_000, `a run of every slot up to +${expected.at(-1)! - s.createdAt}ms (runs: ${line()})`).catch(() => undefined);
      await store.setPaused('outage', true);
      await sleep(300);
      expect(runs.map((r) => r.slot).sort((x, y) => x - y).filter((slot) => slot <= expected.at(-1)!), `runs (slot@when): ${line()}; server down +${downAt - s.createdAt}..+${upAt - s.createdAt}ms`).toEqual(expected);
      // the slot that came due in the outage ran after it, later than the old window allowed
      const missed = runs.find((r) => r.slot === missedSlot)!;
      expect(missed.at, line()).toBeGreaterThanOrEqual(upAt);
      expect(missed.at - missedSlot, line()).toBeGreaterThanOrEqual(2 * EVERY_MS);
      const kv = await openScheduleRunsKv(nc);
      for (const slot of expected) {
        const e = await kv.get(runKey('outage', slot));
        expect(e, `claim of slot +${slot - s.createdAt}ms`).not.toBeNull();
        expect(decodeClaim(e!.value).state).toBe('done');
      }
    } finally {
      await sched.stop();
    }
  }, 60_000);
});
