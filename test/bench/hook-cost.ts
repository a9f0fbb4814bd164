/**
 * In-kernel cost per hook invocation (bpf_stats run_time_ns / run_cnt) of xtrace's tc
 * program for packets that match a probe and packets that do not, bare and in VXLAN,
 * driven by BPF_PROG_TEST_RUN. Prints the raw figure and the figure less the floor of an
 * empty program (what bpf_stats itself costs here), and two floors any record path pays: one clock
 * read, and a clock read plus a 64-byte per-CPU write (bpf/bench-baseline.bpf.c); then an
 * ablation of the matching packet's run: what its identity, clock read and emit each cost.
 * Run: node --import tsx test/bench/hook-cost.ts
 */
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { native, type BpfObject } from '@xtrace/native';
import { configValue, ZERO_KEY } from '@xtrace/node-agent/tracing';
import { TestRunHarness } from '../../bpf/test/test-run-harness.js';
import { frame, tunnelled } from '../../bpf/test/frames.js';
import { emitFigures } from './support/report.js';
import { benchObject } from './support/bench-objects.js';

const RUNS = 500_000;
const stats = native.enableStats();

function perRun(object: Pick<BpfObject, 'testRun' | 'programStats'>, program: string, f: Buffer, runs = RUNS): number {
  object.testRun(program, f, 1000);
  const a = object.programStats(program);
  object.testRun(program, f, runs);
  const b = object.programStats(program);
  return (b.runTimeNs - a.runTimeNs) / (b.runCount - a.runCount);
}

const baselinePath = fileURLToPath(new URL('../../bpf/build/bench-baseline.bpf.o', import.meta.url));
const baseline = native.openObject(baselinePath);
baseline.load();
const plain = frame({ src: '10.1.1.1', dst: '10.1.1.2', proto: 'udp' });
const floor = perRun(baseline, 'xt_bench_nop', plain);
const clockNs = perRun(baseline, 'xt_bench_clock', plain) - floor;
const stampNs = perRun(baseline, 'xt_bench_stamp', plain) - floor;
baseline.close();

const h = TestRunHarness.open();
h.watch('192.168.77.10', '192.168.77.20');
// a probe that keeps 1 in 2^31: its packets are selected, identified and sampled out
h.watch('192.168.77.30', '192.168.77.40', { slot: 1, sampleN: 2 ** 31, sampleK: 1 });
const cases: [string, Buffer][] = [
  ['non-matching packet', plain],
  ['non-matching packet in VXLAN', tunnelled(plain, 'vxlan')],
  ['matching packet (record emitted)', frame({ src: '192.168.77.10', dst: '192.168.77.20', proto: 'udp' })],
  ['matching packet in VXLAN', tunnelled(frame({ src: '192.168.77.10', dst: '192.168.77.20', proto: 'udp' }), 'vxlan')],
  ['matching packet, sampled out', frame({ src: '192.168.77.30', dst: '192.168.77.40', proto: 'udp' })],
];
console.log(`hook cost, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, ${RUNS} runs each; empty-program floor ${floor.toFixed(1)} ns`);
console.log(`floors above it: one clock read ${clockNs.toFixed(1)} ns; clock read + 64-byte per-CPU write ${stampNs.toFixed(1)} ns`);
const figures: Record<string, number> = { floorNs: floor, clockNs, stampNs };
const keys = ['nonMatchingNs', 'nonMatchingVxlanNs', 'matchingNs', 'matchingVxlanNs', 'sampledOutNs'];
for (const [i, [name, f]] of cases.entries()) {
  const ns = perRun(h.object, 'xt_tc_ingress', f);
  figures[keys[i]!] = ns - floor;
  console.log(`${name.padEnd(36)} ${ns.toFixed(1).padStart(7)} ns/run   ${(ns - floor).toFixed(1).padStart(7)} ns above the floor`);
}
console.log(`matching packet above the clock-and-write floor: ${(figures['matchingNs']! - stampNs).toFixed(1)} ns (parse, selection, identity, batching)`);
h.object.mapUpdate('xt_config_map', ZERO_KEY, configValue(0, h.netns)); // no probe active
const idle = perRun(h.object, 'xt_tc_ingress', plain);
console.log(`${'no probe active'.padEnd(36)} ${idle.toFixed(1).padStart(7)} ns/run   ${(idle - floor).toFixed(1).padStart(7)} ns above the floor`);
figures['noProbeNs'] = idle - floor;
await h.close();

// Ablation: the matching packet's run with one part of its work left out (bpf/Makefile
// `bench`: objects whose records are wrong by design), interleaved over rounds with the full
// object, so each difference is what that part costs in the same minutes of this machine.
const variants: [string, string | undefined][] = [
  ['full', undefined],
  ...['identity', 'clock', 'emit'].map((a): [string, string] => [a, benchObject(`ablate-${a}`)]),
];
const harnesses = variants.map(([, objectPath]) => {
  const v = TestRunHarness.open(objectPath ? { objectPath } : {});
  v.watch('192.168.77.10', '192.168.77.20');
  return v;
});
const matching = cases[2]![1];
const samples = variants.map(() => [] as number[]);
for (let round = 0; round < 7; round++) for (const [i, v] of harnesses.entries()) samples[i]!.push(perRun(v.object, 'xt_tc_ingress', matching, RUNS / 5));
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const full = med(samples[0]!);
console.log(`ablation, matching packet (median of 7 interleaved rounds of ${RUNS / 5} runs): full ${(full - floor).toFixed(1)} ns above the floor`);
for (const [i, [name]] of variants.entries()) {
  if (i === 0) continue;
  const saved = full - med(samples[i]!);
  figures[`ablate${name[0]!.toUpperCase()}${name.slice(1)}Ns`] = saved;
  console.log(`  without the ${name.padEnd(9)} ${(med(samples[i]!) - floor).toFixed(1).padStart(6)} ns: the ${name} costs ${saved.toFixed(1)} ns`);
}
for (const v of harnesses) await v.close();
emitFigures('hook', figures);
stats.close();
