/**
 * Scheduled probes against a real nats-server: two Scheduler instances (two "controllers",
 * each with its own NATS connection) share the work through JetStream KV claims.
 */
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ScheduleStore } from '../../controller/src/fleet/schedule-store.js';
import { Scheduler, type RunProbeFn, type SchedulerEvent } from '../../controller/src/fleet/scheduler.js';
import { openScheduleRunsKv } from '../../controller/src/fleet/kv-buckets.js';
import { decodeClaim, runKey } from '../../controller/src/fleet/run-claim.js';
import type { AgentInventory } from '../../controller/src/fleet/pair-selector.js';
import type { ProbeReport } from '../../controller/src/fleet/probe-report.js';
import { natsServerForTests } from './fleet-nats.js';
import { FirstRunnerDies } from './first-runner-dies.js';

const inventory: AgentInventory = {
  listAgents: async () => [
    { hostId: 'hv-a', vms: [{ address: '10.0.0.1' }, { address: '10.0.0.2' }, { address: '10.0.0.3' }] },
    { hostId: 'hv-b', vms: [{ address: '10.0.1.1' }] },
  ],
};

const silent = pino({ level: 'silent' });

function report(probeId: string, src: string, dst: string): ProbeReport {
  return {
    probeId,
    pair: { src, dst },
    kind: 'summary',
    at: Date.now(),
    segments: [{ from: 'nic_tx', to: 'nic_rx', kind: 'wire', count: 10, p50_us: 50, p90_us: 80, p99_us: 99, max_us: 120, lost: 1 }],
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const { conn } = natsServerForTests();

describe('Scheduler (two controllers, real JetStream)', () => {
  it('fires each slot on time and exactly once across two controllers', async () => {
    const calls: { ctl: string; slot: number; lateMs: number; probeId: string }[] = [];
    const mk = (ctl: string): RunProbeFn => async (pair, o) => {
      calls.push({ ctl, slot: o.slot, lateMs: Date.now() - o.slot, probeId: o.probeId });
      await sleep(100);
      return report(o.probeId, pair.src, pair.dst);
    };
    const ncA = await conn('ctl-a');
    const ncB = await conn('ctl-b');
    const store = await ScheduleStore.open(ncA);
    const s = await store.add({ name: 'ontime', every: '1s', duration: '100ms', pairs: { pairs: [{ src: '10.0.0.1', dst: '10.0.1.1' }] } });
    const a = new Scheduler({ nc: ncA, controllerId: 'A', runProbe: mk('A'), inventory, tickMs: 50, leaseMs: 1000, logger: silent });
    const b = new Scheduler({ nc: ncB, controllerId: 'B', runProbe: mk('B'), inventory, tickMs: 50, leaseMs: 1000, logger: silent });
    await Promise.all([a.start(), b.start()]);
    await sleep(3400);
    await store.setPaused('ontime', true);
    await sleep(300);
    await Promise.all([a.stop(), b.stop()]);

    const slots = calls.map((c) => c.slot);
    // every slot from the creation time on, each exactly once
    const expected = [0, 1, 2, 3].map((k) => s.createdAt + k * 1000);
    expect(slots.slice().sort()).toEqual(expected);
    expect(new Set(calls.map((c) => c.probeId)).size).toBe(calls.length);
    const runsLine = calls.map((c) => `${c.ctl}@+${c.slot - s.createdAt}ms late=${c.lateMs}ms`).join(' ');
    console.log('ontime runs', runsLine);
    // On time means before the next slot: a scheduler that waited a period (or skipped a slot and
    // caught up) is >= 1000 ms late. Tick (50 ms) + KV claim is the rest, and on a loaded 2-core
    // machine that alone reached 502 ms, so a tighter bound measured the machine, not this code.
    for (const c of calls) expect(c.lateMs, runsLine).toBeLessThan(900);

    const runs = await openScheduleRunsKv(ncA);
    for (const slot of expected) {
      const e = await runs.get(runKey('ontime', slot));
      expect(e).not.toBeNull();
      const claim = decodeClaim(e!.value);
      expect(claim.state).toBe('done');
      expect(claim.takeovers).toBe(0);
      expect(claim.pairs?.map((p) => p.state)).toEqual(['done']);
    }
  });

  it('a leader killed mid-run neither skips nor doubles the run: the other controller takes it over', async () => {
    const started: { ctl: string; slot: number; attempt: number }[] = [];
    const completed: { ctl: string; slot: number }[] = [];
    const events: (SchedulerEvent & { ctl: string })[] = [];
    const crash = new FirstRunnerDies();
    const schedulers = crash.controllers;
    const mk = (ctl: string): RunProbeFn => async (pair, o) => {
      started.push({ ctl, slot: o.slot, attempt: o.attempt });
      await crash.enterProbe(ctl, o.signal);
      await sleep(300);
      completed.push({ ctl, slot: o.slot });
      return report(o.probeId, pair.src, pair.dst);
    };
    const ncA = await conn('ctl-a2');
    const ncB = await conn('ctl-b2');
    const store = await ScheduleStore.open(ncA);
    const s = await store.add({ name: 'failover', every: '2s', duration: '300ms', pairs: { pairs: [{ src: '10.0.0.2', dst: '10.0.1.1' }] } });
    for (const [ctl, nc] of [['A', ncA], ['B', ncB]] as const) {
      const sch = new Scheduler({
        nc,
        controllerId: ctl,
        runProbe: mk(ctl),
        inventory,
        tickMs: 50,
        leaseMs: 600,
        logger: silent,
        onEvent: (ev) => events.push({ ...ev, ctl }),
      });
      schedulers.set(ctl, { s: sch, nc });
    }
    await Promise.all([...schedulers.values()].map((x) => x.s.start()));
    await sleep(3000);
    const killed = crash.killed;
    const survivorId = crash.survivor();
    const survivor = schedulers.get(survivorId)!;
    const storeB = await ScheduleStore.open(survivor.nc);
    await storeB.setPaused('failover', true);
    await sleep(500);
    await survivor.s.stop();

    expect(killed).toBeDefined();
    const slot0 = s.createdAt;
    const slot1 = s.createdAt + 2000;
    // slot 0: started by the dead leader, completed once, by the survivor
    expect(completed.filter((c) => c.slot === slot0)).toEqual([{ ctl: survivorId, slot: slot0 }]);
    expect(started.filter((c) => c.slot === slot0)).toEqual([
      { ctl: killed, slot: slot0, attempt: 1 },
      { ctl: survivorId, slot: slot0, attempt: 2 },
    ]);
    // slot 1 still runs, once
    expect(completed.filter((c) => c.slot === slot1)).toEqual([{ ctl: survivorId, slot: slot1 }]);
    expect(events.filter((e) => e.type === 'takeover').map((e) => e.ctl)).toEqual([survivorId]);

    const runs = await openScheduleRunsKv(survivor.nc);
    const claim0 = decodeClaim((await runs.get(runKey('failover', slot0)))!.value);
    expect(claim0.state).toBe('done');
    expect(claim0.takeovers).toBe(1);
    expect(claim0.owner).toBe(survivorId);
    expect(claim0.pairs?.[0]).toMatchObject({ state: 'done', attempts: 2, by: survivorId });
    const takeoverAt = events.find((e) => e.type === 'takeover');
    console.log('failover: killed', killed, 'takeover by', takeoverAt?.ctl, 'slot0 finished', claim0.finishedAt! - slot0, 'ms after slot start');
  });

  it('caps concurrent probes per agent and reports the excess as queued', async () => {
    // hosts of their own: the killed controller of the test above left its slots to expire
    const inventory: AgentInventory = {
      listAgents: async () => [
        { hostId: 'hv-c', vms: [{ address: '10.0.2.1' }, { address: '10.0.2.2' }, { address: '10.0.2.3' }] },
        { hostId: 'hv-d', vms: [{ address: '10.0.3.1' }] },
      ],
    };
    const nc = await conn('ctl-caps');
    const store = await ScheduleStore.open(nc);
    let running = 0;
    let maxRunning = 0;
    const events: SchedulerEvent[] = [];
    const runProbe: RunProbeFn = async (pair, o) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(150);
      running--;
      return report(o.probeId, pair.src, pair.dst);
    };
    const sch = new Scheduler({
      nc,
      controllerId: 'C',
      runProbe,
      inventory,
      tickMs: 50,
      leaseMs: 1000,
      caps: { perAgent: 1, fleet: 8 },
      logger: silent,
      onEvent: (e) => events.push(e),
    });
    await sch.start();
    let sawQueued = false;
    const s = await store.add({ name: 'capped', every: '10s', duration: '150ms', pairs: 'all-cross-host' });
    for (let i = 0; i < 20 && !sawQueued; i++) {
      await sleep(50);
      sawQueued = sch.status().some((r) => r.pairs.some((p) => p.state === 'queued'));
    }
    await sleep(700);
    await store.setPaused('capped', true);
    await sch.stop();
    // 3 cross-host pairs, all touching hv-d: with one probe per agent they run one at a time.
    expect(maxRunning).toBe(1);
    expect(sawQueued).toBe(true);
    expect(events.filter((e) => e.type === 'pair-queued')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'pair-done')).toHaveLength(3);
    const runs = await openScheduleRunsKv(nc);
    const claim = decodeClaim((await runs.get(runKey('capped', s.createdAt)))!.value);
    expect(claim.pairs?.map((p) => p.state)).toEqual(['done', 'done', 'done']);
  });
});
