/**
 * Fleet-wide caps on scheduled probes against a real nats-server: two controllers (each its
 * own NATS connection and FleetProbeSemaphore / Scheduler) share the slots in JetStream KV
 * `xtrace_probe_slots`. A third connection watches the bucket and counts the slots really
 * held, independently of what the controllers believe.
 */
import { describe, expect, it } from 'vitest';
import type { NatsConnection } from 'nats';
import { pino } from 'pino';
import { openProbeSlotsKv, openScheduleRunsKv } from '../../controller/src/fleet/kv-buckets.js';
import { FleetProbeSemaphore, type ProbeCaps } from '../../controller/src/fleet/fleet-probe-semaphore.js';
import { decodeClaim, runKey } from '../../controller/src/fleet/run-claim.js';
import { ScheduleStore } from '../../controller/src/fleet/schedule-store.js';
import { Scheduler, type RunProbeFn, type SchedulerEvent } from '../../controller/src/fleet/scheduler.js';
import type { AgentInventory } from '../../controller/src/fleet/pair-selector.js';
import { natsServerForTests } from './fleet-nats.js';
import { FirstRunnerDies } from './first-runner-dies.js';

const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const { conn } = natsServerForTests();

/** Counts the slots held in the bucket (live PUT entries) by prefix, and the most seen at once. */
async function watchHeld(prefix: string): Promise<{ max: () => number; stop: () => void }> {
  const kv = await openProbeSlotsKv(await conn('observer'));
  const held = new Set<string>();
  let max = 0;
  const it = await kv.watch({ key: `${prefix}.>` });
  void (async () => {
    for await (const e of it) {
      if (e.operation === 'PUT') held.add(e.key);
      else held.delete(e.key);
      max = Math.max(max, held.size);
    }
  })();
  return { max: () => max, stop: () => it.stop() };
}

/** Two controllers' FleetProbeSemaphore with the same caps, and controller A's connection. */
async function twoControllers(caps: ProbeCaps, leaseMs = 1000): Promise<{ slots: [FleetProbeSemaphore, FleetProbeSemaphore]; ncA: NatsConnection }> {
  const ncA = await conn('ctl-a');
  const a = await FleetProbeSemaphore.open({ nc: ncA, controllerId: 'A', caps, leaseMs, logger: silent });
  const b = await FleetProbeSemaphore.open({ nc: await conn('ctl-b'), controllerId: 'B', caps, leaseMs, logger: silent });
  return { slots: [a, b], ncA };
}

/** 8 probes from each controller, at once; each holds its slots 150 ms. */
async function burst(slots: [FleetProbeSemaphore, FleetProbeSemaphore], agentsOf: (i: number) => string[]) {
  let running = 0;
  let maxRunning = 0;
  let queued = 0;
  const ran = { A: 0, B: 0 };
  const job = async (s: FleetProbeSemaphore, ctl: 'A' | 'B', i: number) => {
    const release = await s.acquire(agentsOf(i), { purpose: `${ctl}-${i}`, onQueued: () => queued++ });
    running++;
    maxRunning = Math.max(maxRunning, running);
    ran[ctl]++;
    await sleep(150);
    running--;
    await release();
  };
  await Promise.all(Array.from({ length: 8 }, (_, i) => [job(slots[0], 'A', i), job(slots[1], 'B', i)]).flat());
  return { maxRunning, queued, ran };
}

describe('probe caps across two controllers (real JetStream KV)', () => {
  it('the fleet cap holds across both controllers; the excess is queued', async () => {
    const held = await watchHeld('fleet');
    const { slots } = await twoControllers({ perAgent: 16, fleet: 3 });
    const t0 = Date.now();
    // every probe on its own pair of hosts: only the fleet cap binds
    const r = await burst(slots, (i) => [`src-${i}`, `dst-${i}`]);
    const took = Date.now() - t0;
    await Promise.all(slots.map((s) => s.stop()));
    held.stop();
    console.log(`fleet cap 3: 16 probes of 150 ms in ${took} ms, at most ${r.maxRunning} running, ${held.max()} fleet slots held in KV, ${r.queued} queued`);
    expect(r.ran).toEqual({ A: 8, B: 8 });
    expect(r.maxRunning).toBe(3);
    expect(held.max()).toBe(3);
    // some had to queue; not necessarily 13: on a loaded machine the burst's later acquires came
    // after early probes had ended (12 queued), which the caps allow
    expect(r.queued).toBeGreaterThan(0);
    // 16 probes, 3 at a time: at least 6 rounds of 150 ms
    expect(took).toBeGreaterThanOrEqual(6 * 150);
  });

  it('the per-agent cap holds across both controllers', async () => {
    const held = await watchHeld('agent.hv-shared');
    const { slots } = await twoControllers({ perAgent: 2, fleet: 32 });
    // every probe touches hv-shared (and a host of its own)
    const r = await burst(slots, (i) => ['hv-shared', `vm-host-${i}`]);
    await Promise.all(slots.map((s) => s.stop()));
    held.stop();
    console.log(`per-agent cap 2: at most ${r.maxRunning} running, ${held.max()} hv-shared slots held in KV, ${r.queued} queued`);
    expect(r.ran).toEqual({ A: 8, B: 8 });
    expect(r.maxRunning).toBe(2);
    expect(held.max()).toBe(2);
    expect(r.queued).toBeGreaterThan(0); // (not 14: see the fleet cap's test)
  });

  it('caps must be whole numbers >= 1 (the field is named)', async () => {
    const nc = await conn('caps-check');
    await expect(FleetProbeSemaphore.open({ nc, controllerId: 'X', caps: { perAgent: 0, fleet: 4 } })).rejects.toMatchObject({ code: 'usage', field: 'caps.perAgent' });
    await expect(FleetProbeSemaphore.open({ nc, controllerId: 'X', caps: { perAgent: 2, fleet: 1.5 } })).rejects.toMatchObject({ code: 'usage', field: 'caps.fleet' });
  });

  it('a killed holder keeps its slot no longer than the lease; a live one keeps it as long as it renews', async () => {
    const leaseMs = 1000;
    const {
      slots: [a, b],
      ncA,
    } = await twoControllers({ perAgent: 4, fleet: 1 }, leaseMs);
    await a.acquire(['h1', 'h2'], { purpose: 'long probe on A' });

    // A is alive and renews: B waits well past the lease
    let bGot = 0;
    let bQueued = false;
    const bWaits = b.acquire(['h3', 'h4'], { purpose: 'probe on B', onQueued: () => (bQueued = true) }).then((release) => {
      bGot = Date.now();
      return release;
    });
    await sleep(2.5 * leaseMs);
    expect(bQueued).toBe(true);
    expect(bGot).toBe(0);

    // A dies without releasing: B gets the fleet slot once A's lease ran out on B's clock
    const killedAt = Date.now();
    a.kill();
    await ncA.close();
    const release = await bWaits;
    const after = bGot - killedAt;
    console.log(`slot of a killed controller reclaimed ${after} ms after its death (lease ${leaseMs} ms, renewed every ${leaseMs / 3} ms)`);
    // it renewed at most lease/3 before dying; waiters check every lease/4
    expect(after).toBeGreaterThanOrEqual(leaseMs - leaseMs / 3 - 50);
    expect(after).toBeLessThan(leaseMs + leaseMs / 4 + 500);
    const kv = await openProbeSlotsKv(await conn('check'));
    const e = await kv.get('fleet.0');
    expect(JSON.parse(new TextDecoder().decode(e!.value))).toMatchObject({ holder: 'B', purpose: 'probe on B' });
    await release();
    expect((await kv.get('fleet.0'))?.operation).toBe('DEL');
    await b.stop();
  });
});

describe('Scheduler with fleet-wide caps (two controllers)', () => {
  it('a run taken over from a killed controller queues until the dead holder\'s slots expire, then runs once', async () => {
    const inventory: AgentInventory = {
      listAgents: async () => [
        { hostId: 'hv-k1', vms: [{ address: '10.9.0.1' }] },
        { hostId: 'hv-k2', vms: [{ address: '10.9.1.1' }] },
      ],
    };
    const slotLeaseMs = 1500;
    const started: { ctl: string; at: number; attempt: number }[] = [];
    const events: (SchedulerEvent & { ctl: string })[] = [];
    const crash = new FirstRunnerDies();
    const schedulers = crash.controllers;
    const mk = (ctl: string): RunProbeFn => async (pair, o) => {
      started.push({ ctl, at: Date.now(), attempt: o.attempt });
      await crash.enterProbe(ctl, o.signal);
      await sleep(200);
      return { probeId: o.probeId, pair, kind: 'summary', at: Date.now(), segments: [] };
    };
    for (const ctl of ['A', 'B']) {
      const nc = await conn(`sched-${ctl}`);
      schedulers.set(ctl, {
        nc,
        s: new Scheduler({ nc, controllerId: ctl, runProbe: mk(ctl), inventory, tickMs: 50, leaseMs: 600, slotLeaseMs, caps: { perAgent: 2, fleet: 1 }, logger: silent, onEvent: (ev) => events.push({ ...ev, ctl }) }),
      });
    }
    await Promise.all([...schedulers.values()].map((x) => x.s.start()));
    const store = await ScheduleStore.open(await conn('cli'));
    const s = await store.add({ name: 'capped-failover', every: '30s', duration: '200ms', pairs: { pairs: [{ src: '10.9.0.1', dst: '10.9.1.1' }] } });
    for (let i = 0; i < 100 && started.length < 2; i++) await sleep(50);
    const survivorId = crash.survivor();
    await sleep(500);
    await store.setPaused('capped-failover', true);
    await schedulers.get(survivorId)!.s.stop();

    expect(started.map((x) => [x.ctl, x.attempt])).toEqual([
      [crash.killed, 1],
      [survivorId, 2],
    ]);
    const waited = started[1]!.at - crash.killedAt;
    console.log(`survivor took over the run, queued for the dead controller's fleet slot, ran it ${waited} ms after the kill (slot lease ${slotLeaseMs} ms)`);
    // the run claim (lease 600 ms) moved first; the probe had to wait for the slot's lease
    expect(events.filter((e) => e.ctl === survivorId).map((e) => e.type)).toEqual(expect.arrayContaining(['takeover', 'pair-queued', 'pair-started', 'pair-done', 'run-done']));
    expect(waited).toBeGreaterThanOrEqual(slotLeaseMs - slotLeaseMs / 3 - 50);
    expect(waited).toBeLessThan(slotLeaseMs + slotLeaseMs / 4 + 600);
    const claim = decodeClaim((await (await openScheduleRunsKv(schedulers.get(survivorId)!.nc)).get(runKey('capped-failover', s.createdAt)))!.value);
    expect(claim).toMatchObject({ state: 'done', takeovers: 1, owner: survivorId });
    expect(claim.pairs?.[0]).toMatchObject({ state: 'done', attempts: 2, by: survivorId });
  });

  it('a probe whose slot lease is taken over (its controller stalled) is stopped and its pair marked failed', async () => {
    const inventory: AgentInventory = {
      listAgents: async () => [
        { hostId: 'hv-s1', vms: [{ address: '10.9.2.1' }] },
        { hostId: 'hv-s2', vms: [{ address: '10.9.3.1' }] },
      ],
    };
    const events: SchedulerEvent[] = [];
    let stoppedBySignal = false;
    const runProbe: RunProbeFn = (pair, o) =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => resolve({ probeId: o.probeId, pair, kind: 'summary', at: Date.now(), segments: [] }), 20_000);
        o.signal.addEventListener('abort', () => {
          clearTimeout(t);
          stoppedBySignal = true;
          reject(new Error('probe stopped'));
        }, { once: true });
      });
    const nc = await conn('sched-stall');
    const sched = new Scheduler({ nc, controllerId: 'S', runProbe, inventory, tickMs: 50, leaseMs: 600, slotLeaseMs: 900, caps: { perAgent: 2, fleet: 1 }, logger: silent, onEvent: (ev) => events.push(ev) });
    await sched.start();
    const store = await ScheduleStore.open(await conn('cli-stall'));
    const s = await store.add({ name: 'stalled-holder', every: '60s', duration: '20s', pairs: { pairs: [{ src: '10.9.2.1', dst: '10.9.3.1' }] } });
    try {
      for (let i = 0; i < 100 && !events.some((e) => e.type === 'pair-started'); i++) await sleep(50);
      expect(events.map((e) => e.type)).toContain('pair-started');
      // what another controller does once this one's lease looks expired: it writes the slot
      const kv = await openProbeSlotsKv(await conn('intruder'));
      const keys: string[] = [];
      for await (const k of await kv.keys('fleet.>')) keys.push(k);
      expect(keys).toHaveLength(1);
      const e = (await kv.get(keys[0]!))!;
      await kv.update(keys[0]!, new TextEncoder().encode(JSON.stringify({ holder: 'intruder', purpose: 'x', renewedAt: Date.now() })), e.revision);
      for (let i = 0; i < 60 && !events.some((x) => x.type === 'pair-failed'); i++) await sleep(50);
      expect(events.map((x) => x.type)).toEqual(expect.arrayContaining(['slot-lost', 'pair-failed']));
      expect(stoppedBySignal).toBe(true);
      await store.setPaused('stalled-holder', true);
      const claim = decodeClaim((await (await openScheduleRunsKv(nc)).get(runKey('stalled-holder', s.createdAt)))!.value);
      expect(claim.pairs?.[0]).toMatchObject({ state: 'failed', error: expect.stringContaining('slot lease was lost') });
    } finally {
      await sched.stop();
    }
  });
});
