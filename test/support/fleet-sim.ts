/**
 * Fleet simulator (issue 17): one real nats-server (JetStream on), one real controller process
 * (`xtrace controller --nats ...`, the compiled CLI) and `agents` real Agents over fake tracers,
 * packed `perWorker` to a process (fleet-sim-worker-main.ts, one NATS connection per agent).
 * Each simulated hypervisor has `vmsPerHost` VMs with addresses of their own, so probes resolve
 * to hosts. Measures registration, heartbeat processing delay, ListAgents latency, `probes`
 * concurrent probes (StartPairProbe + WatchProbe over gRPC) with generated records
 * (fleet-sim-traffic.ts), a schedule over `sample:K` cross-host pairs, and the controller's
 * RSS and CPU (/proc/<pid>). Used by test/bench/fleet-sim.ts and test/integration/fleet-sim.test.ts.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadGrpcService } from '@xtrace/proto/grpc';
import { freePort, spawnTied } from '@xtrace/proto';
import { startEmbeddedNats } from '../../controller/src/embedded-nats.js';
import { cpuSeconds, rssMb } from '../bench/support/report.js';
import { XTRACE_BIN } from './cli.js';
import { expectedOfProbe, type ProbeExpectation, type SideRange } from './fleet-sim-traffic.js';
import type { SimHost, WorkerArgs, WorkerLoop, WorkerRequest } from './fleet-sim-worker-main.js';

export interface FleetSimOptions {
  agents: number;
  probes: number;
  /** agents per simulator process */
  perWorker?: number;
  vmsPerHost?: number;
  /** exchanges per second per probe (8 records each: 4 per host) */
  rate?: number;
  probeDurationMs?: number;
  /** ListAgents calls timed */
  listCalls?: number;
  /** `xtrace agents` CLI runs timed */
  cliRuns?: number;
  /** how long the fleet idles (controller CPU/RSS with every agent heartbeating) */
  idleMs?: number;
  /** K of the schedule's sample:K (0: no schedule) */
  schedulePairs?: number;
  scheduleDurationMs?: number;
  /** the controller's --max-probes (scheduled probes at once) */
  maxProbes?: number;
  /** one NATS connection per simulator process, shared by its agents (default: one per agent, as real agents) */
  sharedConnection?: boolean;
  /** node options for the controller process (e.g. --cpu-prof) */
  controllerNodeArgs?: string[];
  /** write the controller's log (stderr) here */
  controllerLog?: string;
  log?: (line: string) => void;
}

export interface Quantiles {
  p50: number;
  p99: number;
  max: number;
}

export interface ProbeOutcome {
  probeId: string;
  src: string;
  dst: string;
  state: string;
  /** the final report's message (why it ended, warnings) */
  message: string;
  recordsIn: number;
  matched: number;
  lostBatches: number;
  /** packets the report counts lost (both directions) */
  lost: number;
  counters: Record<string, number>;
  expected: ProbeExpectation;
}

export interface ScheduleOutcome {
  firedAfterMs: number;
  doneAfterMs: number;
  pairs: number;
  pairsDone: number;
  pairsFailed: number;
  errors: string[];
  segmentsPerPair: number[];
  cpuPct: number;
  peakRssMb: number;
}

export interface FleetSimResult {
  agents: number;
  workers: number;
  sharedConnection: boolean;
  registered: number;
  registerMs: number;
  idle: { cpuPct: number; rssMb: number; seconds: number };
  heartbeatDelayMs: Quantiles & { samples: number };
  /** now - last_seen over the agents list: how stale the registry is (< heartbeat interval when it keeps up) */
  lastSeenAgeMs: Quantiles;
  listAgentsMs: Quantiles & { calls: number; bytes: number };
  cliAgentsMs: number[];
  probes: {
    started: number;
    /** StartPairProbe errors, by message */
    startErrors: Record<string, number>;
    /** ListProbes latency every 500 ms during the probes: how responsive the controller stays */
    pingMs: Quantiles;
    /** the simulator processes' event-loop delay during the probes (worst process) and their CPU */
    workerLoopP99Ms: number;
    workerCpuPct: number;
    startMs: Quantiles;
    wallS: number;
    recordsIn: number;
    recordsExpected: number;
    recordsPerS: number;
    matched: number;
    matchedExpected: number;
    lost: number;
    edgePackets: number;
    lostBatches: number;
    cpuPct: number;
    peakRssMb: number;
    outcomes: ProbeOutcome[];
  };
  schedule: ScheduleOutcome | undefined;
  controllerPid: number;
}

const WORKER_MAIN = fileURLToPath(new URL('./fleet-sim-worker-main.ts', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function quantiles(values: number[]): Quantiles {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number): number => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))]!);
  return { p50: at(0.5), p99: at(0.99), max: s.length ? s[s.length - 1]! : NaN };
}

/** hypervisor i (sim-h0007) and its VMs 10.(100+v).(i>>8).(i&255) */
export function simHost(i: number, vms: number): SimHost {
  return { hostId: `sim-h${String(i).padStart(4, '0')}`, vms: Array.from({ length: vms }, (_, v) => `10.${100 + v}.${i >> 8}.${i & 255}`) };
}

class Worker {
  private nextId = 1;
  private readonly pending = new Map<number, (v: unknown) => void>();
  readonly ready: Promise<void>;
  constructor(readonly child: ChildProcess) {
    this.ready = new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`fleet-sim worker ${child.pid} exited (${code}) before it was ready`)));
      child.on('message', (m: { type?: string; id?: number; result?: unknown }) => {
        if (m.type === 'ready') resolve();
        else if (m.id !== undefined) {
          this.pending.get(m.id)?.(m.result);
          this.pending.delete(m.id);
        }
      });
    });
  }
  ask<T>(type: WorkerRequest['type']): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve) => {
      this.pending.set(id, resolve as (v: unknown) => void);
      this.child.send({ type, id } satisfies WorkerRequest);
    });
  }
}

type Unary = <T>(method: string, req: unknown, timeoutMs?: number) => Promise<T>;

function unaryOf(client: grpc.Client): Unary {
  return <T>(method: string, req: unknown, timeoutMs = 30_000): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const fn = (client as unknown as Record<string, (r: unknown, m: grpc.Metadata, o: grpc.CallOptions, cb: (e: Error | null, res: T) => void) => void>)[method]!.bind(client);
      fn(req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (e, res) => (e ? reject(e) : resolve(res)));
    });
}

/** CPU share (% of one core) and peak RSS of `pid` while `work` runs (RSS sampled every 250 ms). */
async function measured<T>(pid: number, work: () => Promise<T>): Promise<{ value: T; cpuPct: number; peakRssMb: number }> {
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  let peak = rssMb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 250);
  try {
    const value = await work();
    const wallS = (performance.now() - t0) / 1000;
    return { value, cpuPct: ((cpuSeconds(pid) - cpu0) / wallS) * 100, peakRssMb: Math.max(peak, rssMb(pid)) };
  } finally {
    clearInterval(timer);
  }
}

interface AgentInfoMsg {
  host: string;
  state: string;
  last_seen_ms: string | number;
}
interface PairReportMsg {
  probe_id: string;
  final: boolean;
  state: string;
  message: string;
  counters: Record<string, number>;
  hosts: { host: string; records: string | number; lost_batches: string | number }[];
  directions?: { forward?: { lost: string | number }; reverse?: { lost: string | number } };
}

export async function runFleetSim(o: FleetSimOptions): Promise<FleetSimResult> {
  const log = o.log ?? (() => {});
  const vmsPerHost = o.vmsPerHost ?? 2;
  const perWorker = o.perWorker ?? 250;
  const rate = o.rate ?? 100;
  const hosts = Array.from({ length: o.agents }, (_, i) => simHost(i, vmsPerHost));
  const nats = await startEmbeddedNats({ instance: `fleet-sim-${process.pid}` });
  const cleanups: (() => Promise<void>)[] = [() => nats.stop()];
  try {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const controller = spawnTied(
      process.execPath,
      [...(o.controllerNodeArgs ?? []), XTRACE_BIN, 'controller', '--nats', nats.url, '--listen', address, '--metrics-listen', 'off', '--max-probes', String(o.maxProbes ?? 32)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<void>((r) => controller.once('exit', () => r()));
    cleanups.unshift(async () => {
      controller.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      controller.kill('SIGKILL');
    });
    let out = '';
    let err = '';
    controller.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const logFile = o.controllerLog !== undefined ? createWriteStream(o.controllerLog) : undefined;
    controller.stderr!.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-20_000);
      logFile?.write(d);
    });
    for (const end = Date.now() + 30_000; !/grpc: /.test(out); await sleep(50)) {
      if (Date.now() > end || controller.exitCode !== null) throw new Error(`controller did not start: ${err.slice(-2000)}`);
    }
    const ctlPid = controller.pid!;
    const xtrace = new (loadGrpcService('Xtrace').Client)(address, grpc.credentials.createInsecure());
    const schedules = new (loadGrpcService('Schedules').Client)(address, grpc.credentials.createInsecure());
    cleanups.unshift(async () => {
      xtrace.close();
      schedules.close();
    });
    const call = unaryOf(xtrace);
    const callSchedules = unaryOf(schedules);

    // ---- register
    const t0 = performance.now();
    const workers: Worker[] = [];
    const nWorkers = Math.ceil(hosts.length / perWorker);
    for (let w = 0; w < nWorkers; w++) {
      // round robin: a probe's two hosts (2j, 2j+1) live in different processes
      const args: WorkerArgs = { natsUrl: nats.url, hosts: hosts.filter((_, i) => i % nWorkers === w), rate, sharedConnection: o.sharedConnection ?? false };
      const child = fork(WORKER_MAIN, [JSON.stringify(args)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      workers.push(new Worker(child));
    }
    cleanups.unshift(async () => {
      await Promise.all(workers.map((w) => Promise.race([w.ask('stop'), sleep(10_000)])));
      for (const w of workers) w.child.kill('SIGKILL');
    });
    await Promise.all(workers.map((w) => w.ready));
    log(`${workers.length} simulator processes up, ${o.agents} agents started in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    let registered = 0;
    for (const end = Date.now() + 120_000; ; await sleep(200)) {
      const r = await call<{ agents: AgentInfoMsg[] }>('ListAgents', {});
      registered = r.agents.filter((a) => a.state === 'up').length;
      if (registered >= o.agents || Date.now() > end) break;
    }
    const registerMs = performance.now() - t0;
    log(`${registered} of ${o.agents} agents registered after ${(registerMs / 1000).toFixed(1)} s`);

    // ---- idle with every agent heartbeating
    const idleMs = o.idleMs ?? 6000;
    const idle = await measured(ctlPid, () => sleep(idleMs));
    const idleFig = { cpuPct: idle.cpuPct, rssMb: rssMb(ctlPid), seconds: idleMs / 1000 };
    log(`idle: controller ${idle.cpuPct.toFixed(1)} % CPU, ${idleFig.rssMb.toFixed(0)} MB RSS`);

    // ---- heartbeat processing delay: the registry's last-seen against the latest publish before it
    const listed = await call<{ agents: AgentInfoMsg[] }>('ListAgents', {});
    const listedAt = Date.now();
    const published = Object.assign({}, ...(await Promise.all(workers.map((w) => w.ask<Record<string, number[]>>('heartbeats'))))) as Record<string, number[]>;
    const delays: number[] = [];
    for (const a of listed.agents) {
      const seen = Number(a.last_seen_ms);
      const before = (published[a.host] ?? []).filter((t) => t <= seen);
      if (before.length) delays.push(seen - before[before.length - 1]!);
    }
    const lastSeenAgeMs = quantiles(listed.agents.map((a) => listedAt - Number(a.last_seen_ms)));

    // ---- ListAgents latency (gRPC) and `xtrace agents` (CLI)
    const listTimes: number[] = [];
    let bytes = 0;
    for (let i = 0; i < (o.listCalls ?? 50); i++) {
      const s = performance.now();
      const r = await call<{ agents: AgentInfoMsg[] }>('ListAgents', {});
      listTimes.push(performance.now() - s);
      if (i === 0) bytes = JSON.stringify(r).length;
    }
    const cliAgentsMs: number[] = [];
    for (let i = 0; i < (o.cliRuns ?? 3); i++) {
      const s = performance.now();
      await new Promise<void>((resolve, reject) => {
        const c = spawn(process.execPath, [XTRACE_BIN, 'agents', '--controller', address, '--json'], { stdio: ['ignore', 'ignore', 'pipe'] });
        c.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`xtrace agents exited ${code}`))));
      });
      cliAgentsMs.push(performance.now() - s);
    }
    log(`ListAgents p50 ${quantiles(listTimes).p50.toFixed(1)} ms; xtrace agents ${cliAgentsMs.map((t) => t.toFixed(0)).join('/')} ms`);

    // ---- concurrent probes: host 2j's first VM -> host 2j+1's first VM (in different processes: hosts go to them round robin)
    const durationMs = o.probeDurationMs ?? 10_000;
    const pairs = Array.from({ length: o.probes }, (_, j) => {
      const a = hosts[(2 * j) % hosts.length]!;
      const b = hosts[(2 * j + 1) % hosts.length]!;
      return { src: a.vms[0]!, dst: b.vms[0]! };
    });
    const startTimes: number[] = [];
    const startErrors: Record<string, number> = {};
    const pings: number[] = [];
    let pinging = true;
    const pinger = (async () => {
      for (; pinging; await sleep(500)) {
        const s = performance.now();
        await call('ListProbes', {}).catch(() => {});
        pings.push(performance.now() - s);
      }
    })();
    const loops0 = await Promise.all(workers.map((w) => w.ask<WorkerLoop>('loop')));
    const probeRun = await measured(ctlPid, async () => {
      const t = performance.now();
      const finals = await Promise.all(
        pairs.map(async (p): Promise<PairReportMsg | undefined> => {
          const s = performance.now();
          let info: { probe_id: string };
          try {
            info = await call<{ probe_id: string }>('StartPairProbe', { src: p.src, dst: p.dst, duration_ms: durationMs, interval_ms: 1000 }, 60_000);
          } catch (e: unknown) {
            const m = (e as { details?: string }).details ?? String(e);
            const key = m.replace(/sim-h\d+/g, 'sim-hN');
            startErrors[key] = (startErrors[key] ?? 0) + 1;
            return undefined;
          }
          startTimes.push(performance.now() - s);
          return new Promise<PairReportMsg>((resolve, reject) => {
            let last: PairReportMsg | undefined;
            const stream = (xtrace as unknown as { WatchProbe(r: unknown, o: grpc.CallOptions): grpc.ClientReadableStream<PairReportMsg> }).WatchProbe(
              { probe_id: info.probe_id },
              { deadline: Date.now() + durationMs + 60_000 },
            );
            stream.on('data', (r: PairReportMsg) => (last = r));
            stream.on('error', reject);
            stream.on('end', () => (last?.final ? resolve(last) : reject(new Error(`probe ${info.probe_id}: stream ended without a final report`))));
          });
        }),
      );
      return { finals, wallS: (performance.now() - t) / 1000 };
    });
    pinging = false;
    await pinger;
    const loops = await Promise.all(workers.map((w) => w.ask<WorkerLoop>('loop')));
    await sleep(300); // the workers' last tick
    const ranges = (await Promise.all(workers.map((w) => w.ask<SideRange[]>('traffic')))).flat();
    const outcomes: ProbeOutcome[] = probeRun.value.finals.flatMap((r, j) => {
      if (r === undefined) return [];
      const p = pairs[j]!;
      const side = (role: 'src' | 'dst'): SideRange =>
        ranges.find((x) => x.src === p.src && x.dst === p.dst && x.role === role) ?? { host: '', src: p.src, dst: p.dst, role, firstK: 0, lastK: -1, records: 0, active: false };
      return [{
        probeId: r.probe_id,
        src: p.src,
        dst: p.dst,
        state: r.state,
        message: r.message,
        recordsIn: r.counters['records_in'] ?? 0,
        matched: r.counters['matched'] ?? 0,
        lostBatches: r.hosts.reduce((s, h) => s + Number(h.lost_batches), 0),
        lost: Number(r.directions?.forward?.lost ?? 0) + Number(r.directions?.reverse?.lost ?? 0),
        counters: r.counters,
        expected: expectedOfProbe(side('src'), side('dst')),
      }];
    });
    const sum = (f: (x: ProbeOutcome) => number): number => outcomes.reduce((s, x) => s + f(x), 0);
    const probes = {
      started: startTimes.length,
      startErrors,
      pingMs: quantiles(pings),
      workerLoopP99Ms: Math.max(...loops.map((l) => l.p99Ms)),
      workerCpuPct: (loops.reduce((s, l, i) => s + l.cpuS - loops0[i]!.cpuS, 0) / probeRun.value.wallS) * 100,
      startMs: quantiles(startTimes),
      wallS: probeRun.value.wallS,
      recordsIn: sum((x) => x.recordsIn),
      recordsExpected: sum((x) => x.expected.records),
      recordsPerS: sum((x) => x.recordsIn) / (durationMs / 1000),
      matched: sum((x) => x.matched),
      matchedExpected: sum((x) => 2 * x.expected.completeExchanges),
      lost: sum((x) => x.lost),
      edgePackets: sum((x) => 2 * x.expected.edgeExchanges),
      lostBatches: sum((x) => x.lostBatches),
      cpuPct: probeRun.cpuPct,
      peakRssMb: probeRun.peakRssMb,
      outcomes,
    };
    log(`${o.probes} probes: ${probes.recordsIn} records in (${probes.recordsExpected} sent), ${probes.matched} packets matched (${probes.matchedExpected} complete), controller ${probes.cpuPct.toFixed(0)} % CPU, peak ${probes.peakRssMb.toFixed(0)} MB`);

    // ---- a schedule over sample:K cross-host pairs
    let schedule: ScheduleOutcome | undefined;
    if ((o.schedulePairs ?? 0) > 0) {
      const durationS = Math.max(1, Math.round((o.scheduleDurationMs ?? 3000) / 1000));
      const run = await measured(ctlPid, async () => {
        const added = performance.now();
        await callSchedules('AddSchedule', { name: 'fleet-sim', every: `${Math.max(60, durationS * 4)}s`, duration: `${durationS}s`, pairs: { text: `sample:${o.schedulePairs}` } });
        let firedAfterMs = NaN;
        type Run = { state: string; resolved: boolean; error?: string; pairs: { state: string; error?: string; segments?: number }[] };
        for (const end = Date.now() + durationS * 1000 * 4 + 90_000; ; await sleep(250)) {
          // GetSchedule lists the runs' JetStream KV keys: on a loaded machine one call may time out, the next one answers
          const g = await callSchedules<{ runs: Run[] }>('GetSchedule', { name: 'fleet-sim', runs: 1 }).catch((e: unknown) => {
            if (Date.now() > end) throw e;
            return { runs: [] };
          });
          const r = g.runs[0];
          if (r?.resolved && Number.isNaN(firedAfterMs)) firedAfterMs = performance.now() - added;
          if (r && (r.state === 'done' || (r.pairs.length > 0 && r.pairs.every((p) => p.state === 'done' || p.state === 'failed')))) {
            await callSchedules('SetSchedulePaused', { name: 'fleet-sim', paused: true });
            return { firedAfterMs, doneAfterMs: performance.now() - added, r };
          }
          if (Date.now() > end) throw new Error(`schedule did not finish its first run: ${JSON.stringify(r)}`);
        }
      });
      const r = run.value.r;
      schedule = {
        firedAfterMs: run.value.firedAfterMs,
        doneAfterMs: run.value.doneAfterMs,
        pairs: r.pairs.length,
        pairsDone: r.pairs.filter((p) => p.state === 'done').length,
        pairsFailed: r.pairs.filter((p) => p.state === 'failed').length,
        errors: [...new Set(r.pairs.flatMap((p) => (p.error ? [p.error] : [])).concat(r.error ? [r.error] : []))],
        segmentsPerPair: r.pairs.map((p) => p.segments ?? 0),
        cpuPct: run.cpuPct,
        peakRssMb: run.peakRssMb,
      };
      log(`schedule sample:${o.schedulePairs}: resolved after ${schedule.firedAfterMs.toFixed(0)} ms, done after ${schedule.doneAfterMs.toFixed(0)} ms: ${schedule.pairsDone} done, ${schedule.pairsFailed} failed`);
    }

    return {
      agents: o.agents,
      workers: workers.length,
      sharedConnection: o.sharedConnection ?? false,
      registered,
      registerMs,
      idle: idleFig,
      heartbeatDelayMs: { ...quantiles(delays), samples: delays.length },
      lastSeenAgeMs,
      listAgentsMs: { ...quantiles(listTimes), calls: listTimes.length, bytes },
      cliAgentsMs,
      probes,
      schedule,
      controllerPid: ctlPid,
    };
  } finally {
    for (const c of cleanups) await c().catch(() => {});
  }
}
