/**
 * Where xtrace's CPU goes per packet in the lab: UDP request/response VM A -> VM B (the packet
 * path benchmark's lab) at a fixed offered rate every condition completes, so every condition
 * does the same traffic, and CPU is what differs. Per condition and round: the machine's busy
 * CPU (/proc/stat, all CPUs), the tracer processes' CPU (/proc/<pid>/stat: drain thread + JS),
 * and every xtrace program's run time and count (bpf_stats, on for the whole run, reported by
 * each tracer at exit), per request/response. Conditions alternate over rounds; medians.
 *
 *   untraced       no xtrace
 *   tc, active     the agent's kernel side (support/tracer-main.ts) per hypervisor, tc hooks, probe on the pair
 *   tc, no match   the same with the probe on a pair the lab does not have (what all other traffic costs)
 *   tp_btf, active the same with XTRACE_DISABLE_HOOKS=tcx,clsact (tracepoints, as bpftrace-compare)
 *   ..., other     each of those with the BPF object at XTRACE_BENCH_OTHER_OBJECT (A/B of two builds)
 *                  and/or the tracer variables in XTRACE_BENCH_OTHER_ENV='K=V ...' (A/B of a setting)
 *
 * From the CPU per RR, the saturated throughput a condition can keep is predicted as
 * untraced CPU per RR / its CPU per RR (the lab's data path is CPU-bound on this machine), which
 * the saturated benchmarks (packet-path, bpftrace-compare) then measure directly.
 *
 *   node --import tsx test/bench/packet-cost.ts [rounds=5] [seconds=3] [rate=5000]   (XTRACE_BENCH_CONDS=tc,tcIdle,tpBtf,...: a subset)
 */
import { native } from '@xtrace/native';
import { Lab, ping, startUdpEchoServer, udpRequestResponse } from '@xtrace/lab';
import { cpuTimes, emitFigures, machineLine, threadsCpuSeconds } from './support/report.js';
import { NO_MATCH_PAIR, TraceRunner, type TraceSummary } from './support/trace-runner.js';

const rounds = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 3);
const rate = Number(process.argv[4] ?? 5000);
const PORT = 7600;
interface Cond {
  name: string;
  /** #BENCH figure prefix, and the name XTRACE_BENCH_CONDS selects it by */
  key: string;
  hooks?: 'tc' | 'tp_btf';
  /** no match: the probe is on a pair that does not exist in the lab (every hook runs, nothing is recorded) */
  match?: boolean;
  /** runs the other variant: XTRACE_BENCH_OTHER_OBJECT and/or XTRACE_BENCH_OTHER_ENV (an A/B in one run) */
  other?: boolean;
}
const UNTRACED: Cond = { name: 'untraced', key: 'untraced' };
const otherEnv: Record<string, string> = Object.fromEntries(
  (process.env['XTRACE_BENCH_OTHER_ENV'] ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
const otherObject = process.env['XTRACE_BENCH_OTHER_OBJECT'];
if (otherObject) otherEnv['XTRACE_BENCH_BPF_OBJECT'] = otherObject;
const ALL: Cond[] = [UNTRACED];
for (const other of Object.keys(otherEnv).length ? [false, true] : [false]) {
  const suffix = other ? ', other' : '';
  const keySuffix = other ? 'Other' : '';
  ALL.push(
    { name: `tc, active${suffix}`, key: `tc${keySuffix}`, hooks: 'tc', match: true, other },
    { name: `tc, no match${suffix}`, key: `tcIdle${keySuffix}`, hooks: 'tc', match: false, other },
    { name: `tp_btf, active${suffix}`, key: `tpBtf${keySuffix}`, hooks: 'tp_btf', match: true, other },
  );
}
// XTRACE_BENCH_CONDS=tc,tcIdle runs a subset (the untraced baseline always runs)
const only = process.env['XTRACE_BENCH_CONDS']?.split(',');
const CONDS = ALL.filter((c) => c === UNTRACED || !only || only.includes(c.key));

/** busy CPU seconds of the whole machine (all CPUs): not idle, iowait or stolen by the hypervisor */
const machineBusyS = (): number => cpuTimes().busy / 100;

console.log(`packet cost: CPU per UDP request/response through a 2-host lab at ${rate}/s offered, ${seconds} s, ${rounds} rounds x ${CONDS.length} conditions`);
console.log(machineLine());

interface Sample {
  rr: number;
  machineUs: number;
  tracerUs: number;
  bpfUs: number;
  records: number;
  programs: Map<string, { runs: number; ns: number }>;
}
const res = new Map<Cond, Sample[]>(CONDS.map((c) => [c, []]));
const stats = native.enableStats();
const lab = await Lab.up({ hosts: 2, vmsPerHost: 1, wire: { mode: 'veth' } });
let tracers: TraceRunner[] = [];
try {
  const a = lab.vm(0, 0);
  const b = lab.vm(1, 0);
  await ping(lab, a, b.ip, { count: 2, intervalMs: 50 });
  const server = await startUdpEchoServer(lab, b, PORT, { durationMs: 3_600_000 });
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 ? CONDS : [...CONDS].reverse();
    for (const c of order) {
      if (c !== UNTRACED) {
        const env: Record<string, string> = { ...(c.hooks === 'tp_btf' ? { XTRACE_DISABLE_HOOKS: 'tcx,clsact' } : {}), ...(c.other ? otherEnv : {}) };
        const [src, dst] = c.match ? [a.ip, b.ip] : NO_MATCH_PAIR;
        tracers = [0, 1].map((h) => TraceRunner.start(lab, h, src, dst, env, 'tracer'));
        await Promise.all(tracers.map((t) => t.ready()));
      }
      const busy0 = machineBusyS();
      const tracer0 = tracers.reduce((x, t) => x + threadsCpuSeconds(t.pid), 0);
      const r = await udpRequestResponse(lab, a, b.ip, PORT, { count: rate * seconds, ratePps: rate, size: 64, timeoutMs: 300 });
      const busy = machineBusyS() - busy0;
      const tracerCpu = tracers.reduce((x, t) => x + threadsCpuSeconds(t.pid), 0) - tracer0;
      const summaries: (TraceSummary | undefined)[] = await Promise.all(tracers.map((t) => t.stop()));
      tracers = [];
      const programs = new Map<string, { runs: number; ns: number }>();
      let records = 0;
      for (const s of summaries) {
        records += s?.records ?? 0;
        for (const p of s?.programs ?? []) {
          const e = programs.get(p.name) ?? { runs: 0, ns: 0 };
          e.runs += p.runCount;
          e.ns += p.runTimeNs;
          programs.set(p.name, e);
        }
      }
      const rr = r.received;
      const bpfNs = [...programs.values()].reduce((x, p) => x + p.ns, 0);
      const sample: Sample = { rr, machineUs: (busy / rr) * 1e6, tracerUs: (tracerCpu / rr) * 1e6, bpfUs: bpfNs / rr / 1000, records: records / rr, programs };
      res.get(c)!.push(sample);
      console.log(
        `  round ${round} ${c.name.padEnd(15)}: ${rr} RR (lost ${(r.lossRate * 100).toFixed(2)} %), machine ${sample.machineUs.toFixed(1)} µs/RR, ` +
          `tracers ${sample.tracerUs.toFixed(2)} µs/RR, BPF ${sample.bpfUs.toFixed(2)} µs/RR, ${sample.records.toFixed(1)} records/RR` +
          [...programs].map(([name, p]) => ` ${name.replace(/^xt_/, '')} ${(p.ns / Math.max(1, p.runs)).toFixed(0)} ns`).join(''),
      );
    }
  }
  await server.stop();
  const med = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const base = med(res.get(UNTRACED)!.map((s) => s.machineUs));
  const figures: Record<string, number> = { rate, untracedMachineUs: base };
  console.log('condition        machine µs/RR  extra µs/RR  tracers µs/RR  BPF µs/RR  records/RR  predicted saturated ratio');
  for (const c of CONDS) {
    const ss = res.get(c)!;
    const m = med(ss.map((s) => s.machineUs));
    const t = med(ss.map((s) => s.tracerUs));
    const bpf = med(ss.map((s) => s.bpfUs));
    const recs = med(ss.map((s) => s.records));
    console.log(
      `${c.name.padEnd(16)} ${m.toFixed(1).padStart(13)} ${(m - base).toFixed(1).padStart(12)} ${t.toFixed(2).padStart(14)} ${bpf.toFixed(2).padStart(10)} ${recs.toFixed(1).padStart(11)} ${(base / m).toFixed(3).padStart(26)}`,
    );
    const k = c.key;
    figures[`${k}MachineUs`] = m;
    if (c === UNTRACED) continue;
    figures[`${k}TracerUs`] = t;
    figures[`${k}BpfUs`] = bpf;
    figures[`${k}RecordsPerRr`] = recs;
    figures[`${k}PredictedRatio`] = base / m;
    // per program: runs per RR and ns per run, from the round with the median BPF time
    const mid = [...ss].sort((x, y) => x.bpfUs - y.bpfUs)[Math.floor(ss.length / 2)]!;
    const all = [...mid.programs.values()].reduce((x, p) => ({ runs: x.runs + p.runs, ns: x.ns + p.ns }), { runs: 0, ns: 0 });
    figures[`${k}NsPerRun`] = all.ns / Math.max(1, all.runs);
    for (const [name, p] of [...mid.programs].sort((x, y) => y[1].ns - x[1].ns)) {
      console.log(`    ${name.padEnd(28)} ${(p.runs / mid.rr).toFixed(1).padStart(5)} runs/RR  ${(p.ns / Math.max(1, p.runs)).toFixed(0).padStart(5)} ns/run`);
    }
  }
  emitFigures('packetCost', figures);
} finally {
  await Promise.all(tracers.map((t) => t.stop().catch(() => undefined)));
  await lab.down();
  stats.close();
}
