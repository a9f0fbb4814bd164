/**
 * Packet-path cost: UDP request/response VM A -> VM B through a 2-hypervisor lab (VM relay,
 * bridge, VXLAN, veth wire), with (a) no tracing, (b) the agent's kernel side attached in both
 * host namespaces with its probe on another address pair (hooks run, nothing matches), (c) the
 * probe on the measured pair (every packet recorded at every stage), (d) the same probe sampling
 * 1/10 (`xtrace pair --sample 1/10`: the same packets kept at every stage), (e) the hook floor:
 * the same tracer with bpf/build/xtrace-hook-floor.bpf.o, whose tc programs return at once (what
 * running any program at those hooks costs, which no change to xtrace's programs can win back). (b)-(e) run
 * support/tracer-main.ts (createTracer, records taken as binary batches like the agent, compiled
 * as the agent runs).
 *
 * Method. Throughput = transactions/s of a closed-loop client keeping 32 requests in flight
 * (support/udp-rr-closed-main.ts, netperf UDP_RR with a burst): the path runs saturated (it is
 * CPU-bound: relays, generator and kernel share this machine's cores) without being overloaded,
 * where an open-loop client offering above capacity makes the result depend on which queue
 * overflows first (it varied ±30 % between identical rounds). One client runs through all
 * rounds (support/paired-rounds.ts); every round attaches each condition once, in a balanced order
 * (support/balanced-order.ts), settles 0.4 s and measures a `seconds` window of the client's ticks;
 * a condition's ratio in a round is its throughput over the untraced throughput of the same round
 * (paired, so drift in other load cancels), and the figure is the median of the per-round ratios
 * (IQR and min-max printed, and the CPU share the hypervisor stole during the windows). Same
 * traffic in every condition: the same generator, duration and packet size. Afterwards, one
 * balanced block of rounds of loss at the calibrated <1 %-loss rate and RTT p50/p99 at a light
 * 2000/s (medians); the tracers' own CPU comes from the throughput windows.
 *
 *   node --import tsx test/bench/packet-path.ts [rounds=12] [seconds=2]
 */
import { Lab, ping, startUdpEchoServer, udpRequestResponse, type VmInfo } from '@xtrace/lab';
import { emitFigures, machineLine } from './support/report.js';
import { benchObject } from './support/bench-objects.js';
import { NO_MATCH_PAIR, TraceRunner } from './support/trace-runner.js';
import { startClosedLoopRr } from './support/closed-rr.js';
import { balancedBlock, balancedOrder } from './support/balanced-order.js';
import { runPairedRounds } from './support/paired-rounds.js';
import { baselineRange, fmtRatio, ratioFigures, summarize } from './support/paired-summary.js';
import { median } from './support/quantiles.js';

const rounds = Number(process.argv[2] ?? 12);
const seconds = Number(process.argv[3] ?? 2);
const PORT = 7400;
const INFLIGHT = 32;
const SAMPLE = '1/10';
const SAMPLED = `probe active, ${SAMPLE}` as const;
const FLOOR = 'empty tc programs';
const FLOOR_OBJECT = benchObject('hook-floor');
type Cond = 'untraced' | typeof FLOOR | 'attached, no match' | 'probe active' | typeof SAMPLED;
const CONDS: Cond[] = ['untraced', FLOOR, 'attached, no match', 'probe active', SAMPLED];
const KEYS: Record<Cond, string> = { untraced: 'untraced', [FLOOR]: 'hookFloor', 'attached, no match': 'idle', 'probe active': 'active', [SAMPLED]: 'sampled' };

console.log(`packet path: UDP request/response through a 2-host lab (veth wire), ${rounds} rounds x ${CONDS.length} conditions, ${seconds} s each`);
console.log(machineLine());

const lab = await Lab.up({ hosts: 2, vmsPerHost: 1, wire: { mode: 'veth' } });
let tracers: TraceRunner[] = [];
const stopTracers = async (): Promise<number> => {
  const s = await Promise.all(tracers.map((t) => t.stop()));
  tracers = [];
  return s.reduce((a, x) => a + (x?.records ?? 0), 0);
};
try {
  const a: VmInfo = lab.vm(0, 0);
  const b: VmInfo = lab.vm(1, 0);
  await ping(lab, a, b.ip, { count: 2, intervalMs: 50 });
  const server = await startUdpEchoServer(lab, b, PORT, { durationMs: 3_600_000 });
  const rr = (ratePps: number, s: number) =>
    udpRequestResponse(lab, a, b.ip, PORT, { count: Math.round(ratePps * s), ratePps, size: 64, timeoutMs: 500 });
  const records = new Map<Cond, number>(CONDS.map((c) => [c, 0]));
  const startTracers = async (c: Cond): Promise<boolean> => {
    if (c === 'untraced') return false;
    const [src, dst] = c === 'attached, no match' || c === FLOOR ? NO_MATCH_PAIR : [a.ip, b.ip];
    const env: Record<string, string> = c === SAMPLED ? { XTRACE_BENCH_SAMPLE: SAMPLE } : c === FLOOR ? { XTRACE_BENCH_BPF_OBJECT: FLOOR_OBJECT } : {};
    tracers = [0, 1].map((h) => TraceRunner.start(lab, h, src, dst, env, 'tracer'));
    await Promise.all(tracers.map((t) => t.ready()));
    return true;
  };
  const attach = async (c: Cond) =>
    (await startTracers(c))
      ? {
          pids: tracers.map((t) => t.pid),
          stop: async () => {
            const n = await stopTracers();
            records.set(c, records.get(c)! + n);
            return `${n} records`;
          },
        }
      : undefined;

  // calibrate: highest offered rate with < 1 % loss, untraced
  let capacity = 0;
  for (const rate of [5000, 10000, 20000, 40000, 60000, 80000]) {
    const r = await rr(rate, 1);
    console.log(`  calibrate ${rate}/s: lost ${(r.lossRate * 100).toFixed(2)} %, p50 ${r.rttUs.p50.toFixed(0)} µs`);
    if (r.lossRate >= 0.01) break;
    capacity = rate;
  }
  if (capacity === 0) capacity = 2500;
  console.log(`untraced capacity (<1 % loss, open loop): ${capacity}/s; throughput: closed loop, ${INFLIGHT} requests in flight`);

  const client = await startClosedLoopRr(lab, a, b.ip, PORT, { inflight: INFLIGHT });
  const { samples, roundsRun, roundsUsed, selection } = await runPairedRounds({ conds: CONDS, rounds, seconds, settleS: 0.4, client, attach }).finally(() => client.stop());

  // loss at capacity and latency at a light rate: one balanced block of rounds, medians
  const lossLatRuns = new Map<Cond, { loss: number[]; p50: number[]; p99: number[] }>(CONDS.map((c) => [c, { loss: [], p50: [], p99: [] }]));
  for (let round = 0; round < balancedBlock(CONDS.length); round++) {
    for (const c of balancedOrder(CONDS.length, round).map((i) => CONDS[i]!)) {
      const att = await attach(c);
      const l = await rr(capacity, 2);
      const lat = await rr(2000, 2);
      await att?.stop();
      const e = lossLatRuns.get(c)!;
      e.loss.push(l.lossRate);
      e.p50.push(lat.rttUs.p50);
      e.p99.push(lat.rttUs.p99);
    }
  }
  const lossLat = new Map<Cond, { loss: number; p50: number; p99: number }>(
    CONDS.map((c) => {
      const e = lossLatRuns.get(c)!;
      return [c, { loss: median(e.loss), p50: median(e.p50), p99: median(e.p99) }];
    }),
  );
  await server.stop();

  const base = lossLat.get('untraced')!;
  const untraced = baselineRange(samples.get('untraced')!);
  const figures: Record<string, number> = { capacityPps: capacity, inflight: INFLIGHT, rounds, roundsRun, roundsUsed, seconds, untracedSpread: untraced.spread };
  console.log(selection);
  console.log(untraced.line);
  console.log('condition            RR/s (median)  ratio: median of rounds (95 % CI, IQR, min-max)                steal    idle   tracers CPU  loss@cap  RTT p50 (ratio)   RTT p99 (ratio)   records');
  for (const c of CONDS) {
    const s = summarize(samples.get(c)!);
    const ll = lossLat.get(c)!;
    console.log(
      `${c.padEnd(20)} ${s.rrPerS.toFixed(0).padStart(13)}  ${(c === 'untraced' ? '-' : fmtRatio(s.ratio)).padEnd(58)} ${(s.stealShare * 100).toFixed(1).padStart(5)} %` +
        ` ${(s.idleShare * 100).toFixed(1).padStart(5)} %${(Number.isNaN(s.toolCores) ? '-' : `${(s.toolCores * 100).toFixed(1)} % core`).padStart(14)} ${(ll.loss * 100).toFixed(2).padStart(8)} % ` +
        `${ll.p50.toFixed(0).padStart(6)} µs (${(ll.p50 / base.p50).toFixed(2)}) ${ll.p99.toFixed(0).padStart(7)} µs (${(ll.p99 / base.p99).toFixed(2)}) ${String(records.get(c)).padStart(9)}`,
    );
    const key = KEYS[c];
    Object.assign(figures, ratioFigures(key, s.ratio), {
      [`${key}RrPerS`]: s.rrPerS,
      [`${key}StealShare`]: s.stealShare,
      [`${key}CpuIdleShare`]: s.idleShare,
      [`${key}P50Us`]: ll.p50,
      [`${key}P99Us`]: ll.p99,
      [`${key}LossAtCap`]: ll.loss,
    });
    if (!Number.isNaN(s.toolCores)) figures[`${key}TracerCpuCores`] = s.toolCores;
  }
  emitFigures('packetPath', figures);
} finally {
  await stopTracers().catch(() => 0);
  await lab.down();
}
