/**
 * In-kernel cost per invocation (bpf_stats) of every program on the virtualization layer's path,
 * on a distro kernel: two nested hypervisors (test/lab/README.md "Nested hypervisors"), `xtrace
 * trace --bpf-stats` in each while VM A's xtrace-guest sends UDP requests to VM B's echo service.
 * The hypervisors are QEMU TCG guests: absolute figures are inflated many times over, so each
 * program is also given relative to the tc ingress program (xt_tc_ingress) measured beside it.
 *
 * Run: node --import tsx test/bench/vm-hook-cost.ts [exchanges=300] [kernel=debian-6.12]
 */
import { ControllerStack, NestedLab, nestedLabUnavailableReason } from '@xtrace/lab';
import { emitFigures, machineLine } from './support/report.js';

const exchanges = Number(process.argv[2] ?? 300);
const kernel = process.argv[3] ?? process.env['XTRACE_NESTED_KERNEL'] ?? 'debian-6.12';
const rate = 30;

interface ProgramCost {
  program: string;
  runs: number;
  ns_per_run: number;
}

const unavailable = nestedLabUnavailableReason();
if (unavailable) {
  console.log(`skipped: ${unavailable}`);
  process.exit(0);
}
console.log(machineLine());
const stack = await ControllerStack.start({ instance: 'bench-vm-hooks', logDir: '/tmp' });
const lab = await NestedLab.up({ kernel, hosts: 2, natsPort: stack.nats.port, agent: { start: false } });
try {
  const [a, b] = [lab.vm(0, 0), lab.vm(1, 0)];
  // one xtrace trace per hypervisor, in the background until the traffic is over (node starts slowly under TCG)
  const out = '/tmp/xtrace-bench-trace';
  for (const i of [0, 1]) {
    await lab.exec(
      i,
      `cd ${process.cwd()} && XTRACE_LOG_LEVEL=warn setsid node cli/bin/xtrace.js trace --src ${a.ip} --dst ${b.ip} --proto udp --port 7000 --bpf-stats ` +
        `> ${out}.ndjson 2> ${out}.err < /dev/null &`,
    );
  }
  const deadline = Date.now() + 180_000;
  for (;;) {
    const ready = await Promise.all([0, 1].map((i) => lab.exec(i, `grep -c '"type":"ready"' ${out}.ndjson`)));
    if (ready.every((r) => Number(r.stdout.trim()) > 0)) break;
    if (Date.now() > deadline) throw new Error('xtrace trace was not ready in 180 s');
    await new Promise((r) => setTimeout(r, 1000));
  }
  const client = await lab.guestClient(0, 0, { dst: b.ip, count: exchanges, rate });
  // the trace's own pid, from its ready line: $! would be the shell that started it
  const pid = `$(grep -m1 '"type":"ready"' ${out}.ndjson | sed 's/.*"pid":\\([0-9]*\\).*/\\1/')`;
  const stop =
    `pid=${pid}; kill -TERM $pid; for i in $(seq 240); do kill -0 $pid 2> /dev/null || break; sleep 0.5; done; ` +
    `grep '"type":"summary"' ${out}.ndjson || { echo "no summary; alive: $(kill -0 $pid 2>&1 && echo yes)"; wc -l ${out}.ndjson; tail -5 ${out}.err; }`;
  const summaries = await Promise.all(
    [0, 1].map(async (i) => {
      const r = await lab.exec(i, stop, { timeoutMs: 180_000 });
      if (!r.stdout.includes('"summary"')) throw new Error(`hypervisor ${i}: xtrace trace printed no summary: ${r.stdout} ${r.stderr}`);
      return JSON.parse(r.stdout.trim()) as { records: number; programs?: ProgramCost[] };
    }),
  );
  console.log(`${lab.kernelVersion}: ${client.sent} exchanges (${client.lost} lost), rtt p50 ${client.rtt_us.p50} µs; records ${summaries.map((s) => s.records).join(' + ')}`);
  const figures: Record<string, number> = {};
  summaries.forEach((s, i) => {
    const programs = [...(s.programs ?? [])].sort((x, y) => x.program.localeCompare(y.program));
    const tc = programs.find((p) => p.program === 'xt_tc_ingress')?.ns_per_run ?? NaN;
    console.log(`hypervisor ${i} (${i === 0 ? 'source' : 'destination'} VM): program, runs, ns per run (TCG), relative to xt_tc_ingress`);
    for (const p of programs) {
      console.log(`  ${p.program.padEnd(40)} ${String(p.runs).padStart(7)} ${p.ns_per_run.toFixed(0).padStart(9)} ns  ${(p.ns_per_run / tc).toFixed(2)} x`);
      figures[`hv${i}.${p.program}.ns`] = p.ns_per_run;
      figures[`hv${i}.${p.program}.relTc`] = p.ns_per_run / tc;
    }
  });
  emitFigures('vmHooks', figures);
} finally {
  await lab.down();
  await stack.stop();
}
