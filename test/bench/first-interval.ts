/**
 * How soon `xtrace pair` prints numbers (issue 18: its first interval line has data within
 * 1 s of the probe starting). The lab's VMs ping before the probe starts, as an operator's
 * traffic would; each round runs the CLI as operators do and reads its interval lines.
 *
 *   node --import tsx test/bench/first-interval.ts [rounds]
 */
import { Lab, ping, XtraceStack } from '@xtrace/lab';
import { buildAll } from './support/compiled-main.js';
import { emitFigures, machineLine } from './support/report.js';

const rounds = Number(process.argv[2] ?? 3);
console.log(`first interval line with data: ${rounds} rounds of a 3 s pair probe over ping every 20 ms`);
console.log(machineLine());
buildAll();
const lab = await Lab.up({ hosts: 2, vmsPerHost: 1, wire: { mode: 'veth' } });
let stack: XtraceStack | undefined;
const firstData: number[] = [];
let firstLineHasData = 0;
try {
  stack = await XtraceStack.start(lab);
  const a = lab.vm(0, 0);
  const b = lab.vm(1, 0);
  for (let i = 0; i < rounds; i++) {
    const traffic = ping(lab, a, b.ip, { count: 300, intervalMs: 20 });
    await new Promise((r) => setTimeout(r, 1000));
    const r = await stack.cli(['pair', '--src', a.ip, '--dst', b.ip, '--proto', 'icmp', '--duration', '3s', '--controller', stack.controllerAddress]);
    await traffic;
    const lines = r.stdout.split('\n').filter((l) => /^\[\s*[\d.]+s\]/.test(l));
    const withData = lines.find((l) => /pkts/.test(l));
    const at = withData ? Number(/^\[\s*([\d.]+)s\]/.exec(withData)![1]) : NaN;
    if (lines[0] && lines[0] === withData) firstLineHasData++;
    firstData.push(at);
    console.log(`round ${i + 1}: ${lines.map((l) => l.replace(/ \| clock.*$/, '')).join(' / ')}`);
  }
  firstData.sort((x, y) => x - y);
  const median = firstData[Math.floor(firstData.length / 2)] ?? NaN;
  console.log(`first interval line with data at ${firstData.join(', ')} s (median ${median}); the first line had data in ${firstLineHasData} of ${rounds} rounds`);
  emitFigures('firstInterval', { firstDataS: median, firstLineHasDataRatio: firstLineHasData / rounds });
} finally {
  await stack?.stop();
  await lab.down();
}
