/**
 * Every xtrace benchmark in sequence (issue 5), then the targets with PASS/MISS.
 *   npm run bench            (= node --import tsx test/bench/run-all.ts)
 *   XTRACE_BENCH_ONLY=hook,drain npm run bench   runs a subset (keys: hook, drain, pipeline, agentRss, firstInterval, matcher, packetCost, packetPath, bpftrace, vmHooks, fleetSim)
 * Each benchmark is its own process (one command each, listed below) and prints its own
 * figures; this collects their `#BENCH` lines. Needs root (BPF, namespaces), a built
 * bpf/build/xtrace.bpf.o and native addon (./setup.sh), bpftrace and nats-server.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { machineLine, parseFigures, type Figures } from './support/report.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
interface Bench {
  key: string;
  title: string;
  argv: string[];
  timeoutS: number;
}
const tsx = (file: string, ...args: string[]): string[] => [process.execPath, '--import', 'tsx', file, ...args];
const BENCHES: Bench[] = [
  { key: 'hook', title: '1. hook cost (bpf_stats per invocation)', argv: tsx('test/bench/hook-cost.ts'), timeoutS: 240 },
  { key: 'drain', title: '3a. ring buffer drain: addon vs plain C consumer (real object)', argv: tsx('test/bench/drain-compare.ts', '2000000', '3'), timeoutS: 120 },
  { key: 'pipeline', title: '3b/6. event pipeline ring -> addon -> agent -> NATS -> matcher, memory', argv: tsx('test/bench/pipeline.ts', '5', '1000,2000,2500,3000,3500,4000'), timeoutS: 240 },
  { key: 'agentRss', title: '6b. the real xtrace agent (CLI) RSS in the lab, idle and during a pair probe', argv: tsx('test/bench/agent-rss.ts'), timeoutS: 120 },
  { key: 'firstInterval', title: '6c. how soon `xtrace pair` prints numbers: the first interval line with data', argv: tsx('test/bench/first-interval.ts', '3'), timeoutS: 180 },
  { key: 'matcher', title: '5. matcher alone (2-host and 16-host paths)', argv: tsx('test/bench/matcher-bench.ts', '1000000'), timeoutS: 120 },
  { key: 'packetCost', title: '2a. packet cost: where the CPU goes per request/response (bpf_stats, tracer CPU)', argv: tsx('test/bench/packet-cost.ts', '3', '3', '5000'), timeoutS: 240 },
  { key: 'packetPath', title: '2b. packet path: UDP request/response throughput and latency through the lab', argv: tsx('test/bench/packet-path.ts', '12', '2'), timeoutS: 1200 },
  { key: 'bpftrace', title: '4. xtrace vs bpftrace, same hooks, same traffic', argv: tsx('test/bench/bpftrace-compare.ts', '12', '2'), timeoutS: 1200 },
  { key: 'vmHooks', title: '7. virtualization-layer hooks on a distro kernel (nested hypervisors, bpf_stats per invocation)', argv: tsx('test/bench/vm-hook-cost.ts', '300'), timeoutS: 900 },
  { key: 'fleetSim', title: '8. fleet scale: 1,000 simulated agents, 100 concurrent probes, a sample:K schedule against one controller', argv: tsx('test/bench/fleet-sim.ts', '1000', '100'), timeoutS: 900 },
];

const only = process.env['XTRACE_BENCH_ONLY']?.split(',').map((s) => s.trim());
const figures = new Map<string, Figures>();
const failed: string[] = [];
const t0 = Date.now();
console.log(`xtrace benchmarks — ${new Date().toISOString()}`);
console.log(machineLine());

for (const b of BENCHES) {
  if (only && !only.includes(b.key)) continue;
  console.log(`\n=== ${b.title}\n$ ${b.argv.slice(3).join(' ')}`);
  const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const child = spawn(b.argv[0]!, b.argv.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    const onData = (d: Buffer): void => {
      text += d.toString();
      process.stdout.write(d);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    const timer = setTimeout(() => child.kill('SIGINT'), b.timeoutS * 1000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, text });
    });
  });
  if (out.code !== 0) failed.push(`${b.key} (exit ${out.code})`);
  for (const [k, v] of parseFigures(out.text)) figures.set(k, v);
  if (b.key === 'matcher') {
    const m: Figures = {};
    for (const mm of out.text.matchAll(/^\s*(\d+) hosts: \d+ records in [\d.]+ s = ([\d.]+) M records\/s/gm)) m[`hosts${mm[1]}Rate`] = Number(mm[2]) * 1e6;
    figures.set('matcher', m);
  }
}

const f = (bench: string, name: string): number => figures.get(bench)?.[name] ?? NaN;
/** "CI 88.1-97.3 %, " for a lab ratio (the median's 95 % confidence interval over the rounds) */
const ci = (bench: string, prefix: string): string =>
  Number.isNaN(f(bench, `${prefix}RatioCiLo`)) ? '' : `CI ${(f(bench, `${prefix}RatioCiLo`) * 100).toFixed(1)}-${(f(bench, `${prefix}RatioCiHi`) * 100).toFixed(1)} %, `;
/** "12 of 15 rounds": the lab rounds a ratio's median is over, of those run (rounds under heavy steal do not count) */
const roundsOf = (bench: string): string => `${f(bench, 'roundsUsed')} of ${f(bench, 'roundsRun')} rounds`;
/** what, bench, figure, target, format; for a lab ratio also its figures' prefix (judged by the median's confidence interval) */
const rows: [string, string, number, (v: number) => boolean, (v: number) => string, string?][] = [
  ['non-matching packet per hook < 50 ns (above the empty-program floor)', 'hook', f('hook', 'nonMatchingNs'), (v) => v < 50, (v) => `${v.toFixed(1)} ns`],
  ['matching packet per hook < 300 ns (above the floor)', 'hook', f('hook', 'matchingNs'), (v) => v < 300, (v) => `${v.toFixed(1)} ns`],
  ['probe active: RR throughput >= 95 % of untraced', 'packetPath', f('packetPath', 'activeRatio'), (v) => v >= 0.95, (v) => `${(v * 100).toFixed(1)} % (median of ${roundsOf('packetPath')}; ${ci('packetPath', 'active')}${(f('packetPath', 'activeRatioMin') * 100).toFixed(0)}-${(f('packetPath', 'activeRatioMax') * 100).toFixed(0)} %)`, 'active'],
  ['addon drain >= 80 % of the C consumer', 'drain', f('drain', 'ratio'), (v) => v >= 0.8, (v) => `${(v * 100).toFixed(1)} %`],
  ['pipeline >= 1,000,000 records/s with zero loss', 'pipeline', f('pipeline', 'zeroLossRate'), (v) => v >= 1e6, (v) => `${(v / 1e6).toFixed(2)} M/s`],
  ['per-packet events on: max rate >= 95 % of untraced', 'bpftrace', f('bpftrace', 'xtraceRateRatio'), (v) => v >= 0.95, (v) => `${(v * 100).toFixed(1)} % (median of ${roundsOf('bpftrace')}; ${ci('bpftrace', 'xtraceRate')}${(f('bpftrace', 'xtraceRateRatioMin') * 100).toFixed(0)}-${(f('bpftrace', 'xtraceRateRatioMax') * 100).toFixed(0)} %; bpftrace ${(f('bpftrace', 'bpftraceRateRatio') * 100).toFixed(1)} %)`, 'xtraceRate'],
  ['CPU per million events >= 10x less than bpftrace', 'bpftrace', f('bpftrace', 'cpuAdvantage'), (v) => v >= 10, (v) => `${v.toFixed(1)} x`],
  ['agent RSS < 80 MB at the zero-loss rate', 'pipeline', f('pipeline', 'agentRssAtRateMb'), (v) => v < 80, (v) => `${v.toFixed(1)} MB (idle ${f('pipeline', 'agentRssIdleMb').toFixed(1)} MB)`],
];
/** issue 18's targets: the record path should cost what an ignored packet costs (test/bench/README.md) */
const recordPathRows: typeof rows = [
  ['probe active: RR throughput >= 97 % of untraced', 'packetPath', f('packetPath', 'activeRatio'), (v) => v >= 0.97, (v) => `${(v * 100).toFixed(1)} % (${ci('packetPath', 'active')}median of ${roundsOf('packetPath')})`, 'active'],
  ['probe sampling 1/10: RR throughput >= 99 % of untraced', 'packetPath', f('packetPath', 'sampledRatio'), (v) => v >= 0.99, (v) => `${(v * 100).toFixed(1)} % (${ci('packetPath', 'sampled')}median of ${roundsOf('packetPath')})`, 'sampled'],
  ['attached, no probe matching: RR throughput >= 99 % of untraced', 'packetPath', f('packetPath', 'idleRatio'), (v) => v >= 0.99, (v) => `${(v * 100).toFixed(1)} % (${ci('packetPath', 'idle')}median of ${roundsOf('packetPath')})`, 'idle'],
  ['per-packet events on: max rate >= 97 % of untraced', 'bpftrace', f('bpftrace', 'xtraceRateRatio'), (v) => v >= 0.97, (v) => `${(v * 100).toFixed(1)} % (bpftrace ${(f('bpftrace', 'bpftraceRateRatio') * 100).toFixed(1)} %)`, 'xtraceRate'],
  ['non-matching packet per hook <= 10 ns above the floor', 'hook', f('hook', 'nonMatchingNs'), (v) => v <= 10, (v) => `${v.toFixed(1)} ns`],
  ['matching packet per hook <= 50 ns above the floor', 'hook', f('hook', 'matchingNs'), (v) => v <= 50, (v) => `${v.toFixed(1)} ns`],
  ['pipeline >= 3,000,000 stage timestamps/s with zero loss', 'pipeline', f('pipeline', 'zeroLossRate'), (v) => v >= 3e6, (v) => `${(v / 1e6).toFixed(2)} M/s`],
  ['agent RSS < 50 MB at that rate', 'pipeline', f('pipeline', 'agentRssAtRateMb'), (v) => v < 50, (v) => `${v.toFixed(1)} MB`],
  ['`xtrace pair`: the first interval line (1 s) has data, every round', 'firstInterval', f('firstInterval', 'firstLineHasDataRatio'), (v) => v === 1, (v) => `${(v * 100).toFixed(0)} % of rounds; first data at ${f('firstInterval', 'firstDataS')} s (median)`],
];
const printTargets = (title: string, list: typeof rows): void => {
  console.log(`\n=== targets (${title}) — ${machineLine()}`);
  for (const [what, bench, v, ok, fmt, labPrefix] of list) {
    const verdict = verdictOf(bench, v, ok, labPrefix);
    console.log(`${verdict.padEnd(5)} ${what}: ${Number.isNaN(v) ? 'not measured' : fmt(v)}${verdict === 'NOISY' ? ' — the median\'s 95 % CI spans the target: more rounds or a quieter machine decide' : ''}`);
  }
};
// A lab ratio decides a target only when its median's 95 % confidence interval lies on one side of
// it: rounds on this shared machine differ by ±10 % and more, and a median of a few of them moves
// by several points between runs. NOISY: the interval spans the target (more rounds, a quieter machine).
const verdictOf = (bench: string, v: number, ok: (v: number) => boolean, labPrefix?: string): string => {
  if (Number.isNaN(v)) return 'n/a ';
  const [lo, hi] = labPrefix ? [f(bench, `${labPrefix}RatioCiLo`), f(bench, `${labPrefix}RatioCiHi`)] : [NaN, NaN];
  if (Number.isNaN(lo)) return ok(v) ? 'PASS' : 'MISS';
  return ok(lo) ? 'PASS' : !ok(hi) ? 'MISS' : 'NOISY';
};
printTargets('issue 5', rows);
printTargets('issue 18, the record path', recordPathRows);
console.log(
  `packet path (closed loop, of untraced): empty tc programs at the same hooks (the floor) ${(f('packetPath', 'hookFloorRatio') * 100).toFixed(1)} % (${ci('packetPath', 'hookFloor')}), attached no match ${(f('packetPath', 'idleRatio') * 100).toFixed(1)} %, ` +
    `probe active ${(f('packetPath', 'activeRatio') * 100).toFixed(1)} %, probe sampling 1/10 ${(f('packetPath', 'sampledRatio') * 100).toFixed(1)} %; ` +
    `machine idle (of all CPU time): untraced ${(f('packetPath', 'untracedCpuIdleShare') * 100).toFixed(1)} %, probe active ${(f('packetPath', 'activeCpuIdleShare') * 100).toFixed(1)} %`,
);
console.log(`matcher alone: 2 hosts ${(f('matcher', 'hosts2Rate') / 1e6).toFixed(2)} M records/s, 16 hosts ${(f('matcher', 'hosts16Rate') / 1e6).toFixed(2)} M records/s (one core)`);
console.log(`real xtrace agent (CLI) RSS: idle ${f('agentRss', 'idleMb').toFixed(1)} MB, peak during a pair probe ${f('agentRss', 'peakMb').toFixed(1)} MB`);
console.log(`controller side (decode + matcher) RSS after the pipeline run: ${f('pipeline', 'controllerRssMb').toFixed(1)} MB`);
console.log(
  `packet cost per RR at ${f('packetCost', 'rate')}/s: untraced ${f('packetCost', 'untracedMachineUs').toFixed(0)} µs machine CPU; ` +
    `tc probe active: BPF ${f('packetCost', 'tcBpfUs').toFixed(2)} µs + tracers ${f('packetCost', 'tcTracerUs').toFixed(2)} µs (${f('packetCost', 'tcRecordsPerRr').toFixed(0)} records, ${f('packetCost', 'tcNsPerRun').toFixed(0)} ns per run); ` +
    `tc no match: BPF ${f('packetCost', 'tcIdleBpfUs').toFixed(2)} µs (${f('packetCost', 'tcIdleNsPerRun').toFixed(0)} ns per run); ` +
    `tp_btf: BPF ${f('packetCost', 'tpBtfBpfUs').toFixed(2)} µs + tracers ${f('packetCost', 'tpBtfTracerUs').toFixed(2)} µs`,
);
console.log(
  `fleet (1,000 simulated agents): registered ${f('fleetSim', 'registered')} in ${f('fleetSim', 'registerS').toFixed(0)} s; controller idle ${f('fleetSim', 'idleCpuPct').toFixed(0)} % CPU, ${f('fleetSim', 'idleRssMb').toFixed(0)} MB; ` +
    `heartbeat delay p99 ${f('fleetSim', 'heartbeatDelayP99Ms').toFixed(0)} ms; ListAgents p50/p99 ${f('fleetSim', 'listAgentsP50Ms').toFixed(0)}/${f('fleetSim', 'listAgentsP99Ms').toFixed(0)} ms; ` +
    `${f('fleetSim', 'probes')} probes started, ${(f('fleetSim', 'recordsPerS') / 1000).toFixed(1)} k records/s, controller peak ${f('fleetSim', 'probePeakRssMb').toFixed(0)} MB`,
);
console.log(`total ${((Date.now() - t0) / 1000).toFixed(0)} s${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}`);
process.exitCode = failed.length ? 1 : 0;
