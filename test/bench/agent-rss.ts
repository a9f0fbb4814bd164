/**
 * The real `xtrace agent` processes' memory in the lab: a controller and one agent per
 * hypervisor namespace (test/lab XtraceStack, the CLI as operators run it: the compiled build),
 * RSS idle and peak during a `xtrace pair` probe with ping traffic. The pipeline benchmark
 * measures the agent at high record rates; this checks the CLI's agent loads no more than that.
 *
 *   node --import tsx test/bench/agent-rss.ts
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Lab, ping, XtraceStack } from '@xtrace/lab';
import { buildAll } from './support/compiled-main.js';
import { emitFigures, machineLine, rssMb } from './support/report.js';

const peakMb = (pid: number): number => Number(/^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

console.log('real xtrace agent RSS: 2 hypervisors, a controller, one agent each');
console.log(machineLine());
buildAll(); // the agents run the compiled build: never an old one
const lab = await Lab.up({ hosts: 2, vmsPerHost: 1, wire: { mode: 'veth' } });
let stack: XtraceStack | undefined;
try {
  stack = await XtraceStack.start(lab);
  const pids = execFileSync('pgrep', ['-f', 'xtrace.js agent']).toString().trim().split('\n').map(Number);
  await new Promise((r) => setTimeout(r, 2000));
  const idle = pids.map((p) => rssMb(p));
  const a = lab.vm(0, 0);
  const b = lab.vm(1, 0);
  const pair = stack.cli(['pair', '--src', a.ip, '--dst', b.ip, '--duration', '6s', '--controller', stack.controllerAddress]);
  await ping(lab, a, b.ip, { count: 250, intervalMs: 20 });
  const r = await pair;
  const peak = pids.map((p) => peakMb(p));
  console.log(`agents RSS idle ${idle.map((x) => x.toFixed(1)).join(', ')} MB; peak over the run (VmHWM) ${peak.map((x) => x.toFixed(1)).join(', ')} MB; pair exit ${r.code}`);
  emitFigures('agentRss', { idleMb: Math.max(...idle), peakMb: Math.max(...peak) });
} finally {
  await stack?.stop();
  await lab.down();
}
