/**
 * Packet-path cost: UDP request/response VM A -> VM B through a 2-hypervisor lab (VM relay,
 * bridge, VXLAN, veth wire), with (a) no tracing, (b) the agent's kernel side attached in both
 * host namespaces with its probe on another address pair (hooks run, nothing matches), (c) the
 * probe on the measured pair (every packet recorded at every stage). (b) and (c) run
 * support/tracer-main.ts (createTracer, records taken as binary batches like the agent, compiled
 * as the agent runs).
 *
 * Method. Throughput = transactions/s of a closed-loop client keeping 32 requests in flight
 * (support/udp-rr-closed-main.ts, netperf UDP_RR with a burst): the path runs saturated (it is
 * CPU-bound: relays, generator and kernel share this machine's cores) without being overloaded,
 * where an open-loop client offering above capacity makes the result depend on which queue
 * overflows first (it varied ±30 % between identical rounds). Every round measures each condition once,
 * in a rotating order; a condition's ratio in a round is its throughput over the untraced
 * throughput of the same round (paired, so drift in other load cancels), and the figure is the
 * median of the per-round ratios (the spread is printed too). Same traffic in every condition:
 * the same generator, offered rate, duration and packet size. Afterwards, 3 rotating rounds of
 * loss at the calibrated <1 %-loss rate and RTT p50/p99 at a light 2000/s (medians); the
 * tracers' own CPU comes from the throughput rounds.
 *
 *   node --import tsx test/bench/packet-path.ts [rounds=7] [seconds=3]
 */
import { Lab, ping, startUdpEchoServer, udpRequestResponse, type VmInfo } from '@xtrace/test';
import { emitFigures, machineLine, threadsCpuSeconds } from './support/report.js';
import { TraceRunner } from './support/trace-runner.js';
import { closedLoopRr } from './support/closed-rr.js';

const rounds = Number(process.argv[2] ?? 7);
const seconds = Number(process.argv[3] ?? 3);
const PORT = 7400;
const INFLIGHT = 32;
type Cond = 'untraced' | 'attached, no match' | 'probe active';
const CONDS: Cond[] = ['untraced', 'attached, no match', 'probe active'];
const KEYS: Record<Cond, string> = { untraced: 'untraced', 'attached, no match': 'idle', 'probe active': 'active' };

console.log(`packet path: UDP request/response through a 2-host lab (veth wire), ${rounds} rounds x ${CONDS.length} conditions, ${seconds} s each`);
console.log(machineLine());

const med = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

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
  const startTracers = async (c: Cond): Promise<void> => {
    if (c === 'untraced') return;
    // no match: the probe selects a pair that does not exist in the lab
    const [src, dst] = c === 'attached, no match' ? ['10.99.0.1', '10.99.0.2'] : [a.ip, b.ip];
    tracers = [0, 1].map((h) => TraceRunner.start(lab, h, src, dst, {}, 'tracer'));
    await Promise.all(tracers.map((t) => t.ready()));
  };

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

  const thr = new Map<Cond, number[]>(CONDS.map((c) => [c, []]));
  const ratios = new Map<Cond, number[]>(CONDS.map((c) => [c, []]));
  const tracerCpu = new Map<Cond, number[]>(CONDS.map((c) => [c, []]));
  const records = new Map<Cond, number>(CONDS.map((c) => [c, 0]));
  for (let round = 0; round < rounds; round++) {
    const order = CONDS.map((_, i) => CONDS[(i + round) % CONDS.length]!);
    const got = new Map<Cond, number>();
    for (const c of order) {
      await startTracers(c);
      const cpu0 = tracers.reduce((x, t) => x + threadsCpuSeconds(t.pid), 0);
      const t = await closedLoopRr(lab, a, b.ip, PORT, { inflight: INFLIGHT, seconds });
      const cpu = tracers.reduce((x, tr) => x + threadsCpuSeconds(tr.pid), 0) - cpu0;
      const rrps = t.rrPerS;
      got.set(c, rrps);
      thr.get(c)!.push(rrps);
      if (tracers.length) tracerCpu.get(c)!.push(cpu / (seconds + 0.5)); // + the client's warm-up
      if (tracers.length) records.set(c, records.get(c)! + (await stopTracers()));
    }
    const base = got.get('untraced')!;
    for (const c of CONDS) ratios.get(c)!.push(got.get(c)! / base);
    console.log(
      `  round ${round + 1}: ` +
        order.map((c) => `${c} ${got.get(c)!.toFixed(0)} RR/s${c === 'untraced' ? '' : ` (${((got.get(c)! / base) * 100).toFixed(1)} %)`}`).join(', '),
    );
  }

  // loss at capacity and latency at a light rate: 3 rounds, rotating order, medians
  const lossLatRuns = new Map<Cond, { loss: number[]; p50: number[]; p99: number[] }>(CONDS.map((c) => [c, { loss: [], p50: [], p99: [] }]));
  for (let round = 0; round < 3; round++) {
    for (const c of CONDS.map((_, i) => CONDS[(i + round) % CONDS.length]!)) {
      await startTracers(c);
      const l = await rr(capacity, 2);
      const lat = await rr(2000, 2);
      if (tracers.length) records.set(c, records.get(c)! + (await stopTracers()));
      const e = lossLatRuns.get(c)!;
      e.loss.push(l.lossRate);
      e.p50.push(lat.rttUs.p50);
      e.p99.push(lat.rttUs.p99);
    }
  }
  const lossLat = new Map<Cond, { loss: number; p50: number; p99: number }>(
    CONDS.map((c) => {
      const e = lossLatRuns.get(c)!;
      return [c, { loss: med(e.loss), p50: med(e.p50), p99: med(e.p99) }];
    }),
  );
  await server.stop();

  const base = lossLat.get('untraced')!;
  const untracedRuns = thr.get('untraced')!;
  const figures: Record<string, number> = { capacityPps: capacity, inflight: INFLIGHT, rounds, untracedSpread: Math.max(...untracedRuns) / Math.min(...untracedRuns) };
  console.log(`untraced throughput over the rounds: ${Math.min(...untracedRuns).toFixed(0)}-${Math.max(...untracedRuns).toFixed(0)} RR/s (other load on the machine moves it)`);
  console.log('condition            RR/s (median)  ratio (median of rounds, min-max)   tracers CPU   loss@cap  RTT p50 (ratio)   RTT p99 (ratio)   records');
  for (const c of CONDS) {
    const rs = ratios.get(c)!;
    const ll = lossLat.get(c)!;
    const cpu = tracerCpu.get(c)!;
    console.log(
      `${c.padEnd(20)} ${med(thr.get(c)!).toFixed(0).padStart(13)} ${med(rs).toFixed(3).padStart(7)} (${Math.min(...rs).toFixed(3)}-${Math.max(...rs).toFixed(3)})` +
        `${(cpu.length ? `${(med(cpu) * 100).toFixed(1)} % core` : '-').padStart(24)} ${(ll.loss * 100).toFixed(2).padStart(8)} % ` +
        `${ll.p50.toFixed(0).padStart(6)} µs (${(ll.p50 / base.p50).toFixed(2)}) ${ll.p99.toFixed(0).padStart(7)} µs (${(ll.p99 / base.p99).toFixed(2)}) ${String(records.get(c)).padStart(9)}`,
    );
    const key = KEYS[c];
    figures[`${key}RrPerS`] = med(thr.get(c)!);
    figures[`${key}Ratio`] = med(rs);
    figures[`${key}RatioMin`] = Math.min(...rs);
    figures[`${key}RatioMax`] = Math.max(...rs);
    figures[`${key}P50Us`] = ll.p50;
    figures[`${key}P99Us`] = ll.p99;
    figures[`${key}LossAtCap`] = ll.loss;
    if (cpu.length) figures[`${key}TracerCpuCores`] = med(cpu);
  }
  emitFigures('packetPath', figures);
} finally {
  await stopTracers().catch(() => 0);
  await lab.down();
}
