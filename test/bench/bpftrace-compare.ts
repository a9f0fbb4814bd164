/**
 * xtrace against the tool operators use today, bpftrace (Debian's), at the same hooks and on
 * the same traffic in the same run. Both use the tracepoints net:netif_receive_skb and
 * net:net_dev_start_xmit on the hypervisors' stage devices (vnet*, vxlan*, nic*): xtrace with
 * XTRACE_DISABLE_HOOKS=tcx,clsact so it falls back from tc to tp_btf at those points, bpftrace
 * printing one line per packet and hook to a file (-o). Traffic: closed-loop UDP request/response
 * VM A -> VM B (32 requests in flight, support/udp-rr-closed-main.ts), one client through all
 * rounds: the transactions/s the saturated path completes is the max packet rate. Rounds attach
 * every condition in a balanced order (support/balanced-order.ts), resume the traffic, settle 0.4 s, measure an N-second
 * window and pause the traffic before detaching (support/paired-rounds.ts); a tool's rate ratio
 * is the median over rounds of its rate over the untraced rate of the same round. Per tool:
 * events captured and events lost (bpftrace "Lost N events", xtrace ringbuf_full) over its whole
 * attach period, and the CPU of the tool's processes (all threads, schedstat) from attached
 * until exited (so with its drain of a backlog at the end; no traffic outside), per million events.
 * xtrace runs as the agent's kernel side (support/tracer-main.ts, binary batches, one process
 * per hypervisor) and as `xtrace trace` (one NDJSON line per record, like bpftrace's lines).
 *
 *   node --import tsx test/bench/bpftrace-compare.ts [rounds=12] [seconds=2]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, ping, startUdpEchoServer } from '@xtrace/lab';
import { emitFigures, machineLine, sleep } from './support/report.js';
import { startClosedLoopRr } from './support/closed-rr.js';
import { TraceRunner } from './support/trace-runner.js';
import { CpuUntilExit } from './support/cpu-until-exit.js';
import { runPairedRounds, type Attached } from './support/paired-rounds.js';
import { baselineRange, fmtRatio, ratioFigures, summarize } from './support/paired-summary.js';

const rounds = Number(process.argv[2] ?? 12);
const seconds = Number(process.argv[3] ?? 2);
const INFLIGHT = 32;
const PORT = 7500;
type Cond = 'untraced' | 'xtrace agent side' | 'xtrace trace CLI' | 'bpftrace';
const CONDS: Cond[] = ['untraced', 'xtrace agent side', 'xtrace trace CLI', 'bpftrace'];
const KEYS: Record<Cond, string> = { untraced: 'untraced', 'xtrace agent side': 'xtrace', 'xtrace trace CLI': 'xtraceCli', bpftrace: 'bpftrace' };
const DEVS = '/strncmp(str(args->name), "vnet", 4) == 0 || strncmp(str(args->name), "vxlan", 5) == 0 || strncmp(str(args->name), "nic", 3) == 0/';
const SCRIPT = `tracepoint:net:netif_receive_skb ${DEVS} { printf("%llu rx %s %u %p\\n", nsecs, str(args->name), args->len, args->skbaddr); }
tracepoint:net:net_dev_start_xmit ${DEVS} { printf("%llu tx %s %u %p\\n", nsecs, str(args->name), args->len, args->skbaddr); }
`;

console.log(`xtrace vs bpftrace: tracepoints netif_receive_skb + net_dev_start_xmit on vnet/vxlan/nic of 2 hypervisors, closed-loop UDP RR (${INFLIGHT} in flight) for ${seconds} s, ${rounds} rounds`);
console.log(machineLine());

interface Tool {
  pids: number[];
  /** stops, once the processes exited, returns events captured and lost */
  stop(): Promise<{ events: number; lost: number }>;
}

class Bpftrace implements Tool {
  pids: number[] = [];
  private child!: ChildProcess;
  private stderr = '';
  private readonly out = join(tmpdir(), `xtrace-bench-bt-${process.pid}-${Date.now()}.txt`);
  private readonly script = join(tmpdir(), `xtrace-bench-bt-${process.pid}.bt`);
  /** resolves as bpftrace attaches its probes (the settle before a window covers the attaching) */
  async start(): Promise<void> {
    writeFileSync(this.script, SCRIPT);
    this.child = spawn('bpftrace', ['-o', this.out, this.script], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.pids = [this.child.pid!];
    const deadline = Date.now() + 30_000;
    while (!this.text(4096).includes('Attaching')) {
      if (this.child.exitCode !== null || Date.now() > deadline) throw new Error(`bpftrace did not attach: ${this.stderr}`);
      await sleep(10);
    }
  }
  private text(max: number): string {
    try {
      return readFileSync(this.out).subarray(0, max).toString();
    } catch {
      return '';
    }
  }
  async stop(): Promise<{ events: number; lost: number }> {
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGINT');
    await Promise.race([exited, sleep(10_000)]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
    let events = 0;
    let lost = 0;
    const data = readFileSync(this.out, 'utf8');
    for (const line of data.split('\n')) {
      if (/^\d+ (rx|tx) /.test(line)) events++;
      const m = /Lost (\d+) events/.exec(line);
      if (m) lost += Number(m[1]);
    }
    for (const m of this.stderr.matchAll(/Lost (\d+) events/g)) lost += Number(m[1]);
    console.log(`    bpftrace output ${(statSync(this.out).size / 1048576).toFixed(1)} MB`);
    rmSync(this.out, { force: true });
    rmSync(this.script, { force: true });
    return { events, lost };
  }
}

const lab = await Lab.up({ hosts: 2, vmsPerHost: 1, wire: { mode: 'veth' } });
try {
  const a = lab.vm(0, 0);
  const b = lab.vm(1, 0);
  await ping(lab, a, b.ip, { count: 2, intervalMs: 50 });
  const server = await startUdpEchoServer(lab, b, PORT, { durationMs: 3_600_000 });
  const acc = new Map<Cond, { events: number; lost: number; cpu: number }>(CONDS.map((c) => [c, { events: 0, lost: 0, cpu: 0 }]));
  let stagesShown = false;
  const startTool = async (c: Cond): Promise<Tool | undefined> => {
    if (c === 'untraced') return undefined;
    if (c === 'bpftrace') {
      const bt = new Bpftrace();
      await bt.start();
      return bt;
    }
    const env = { XTRACE_DISABLE_HOOKS: 'tcx,clsact' };
    const ts = [0, 1].map((h) => TraceRunner.start(lab, h, a.ip, b.ip, env, c === 'xtrace trace CLI' ? 'cli' : 'tracer'));
    const inv = await Promise.all(ts.map((t) => t.ready()));
    if (!stagesShown) {
      stagesShown = true;
      console.log(`  xtrace stages: ${inv[0]!.stages.filter((s) => s.attached).map((s) => `${s.stage}=${s.hook}`).join(', ')}`);
    }
    return {
      pids: ts.map((t) => t.pid),
      async stop() {
        const s = await Promise.all(ts.map((t) => t.stop()));
        return { events: s.reduce((x, v) => x + (v?.records ?? 0), 0), lost: s.reduce((x, v) => x + (v?.counters['ringbuf_full'] ?? 0), 0) };
      },
    };
  };
  const attach = async (c: Cond): Promise<Attached | undefined> => {
    const tool = await startTool(c);
    if (!tool) return undefined;
    const cpu = new CpuUntilExit(tool.pids);
    return {
      pids: tool.pids,
      async stop() {
        const { value, cpuS } = await cpu.through(tool.stop());
        const e = acc.get(c)!;
        e.events += value.events;
        e.lost += value.lost;
        e.cpu += cpuS;
        return `events ${value.events}, lost ${value.lost}, CPU ${cpuS.toFixed(2)} s`;
      },
    };
  };
  const client = await startClosedLoopRr(lab, a, b.ip, PORT, { inflight: INFLIGHT });
  const { samples, roundsRun, roundsUsed, selection } = await runPairedRounds({ conds: CONDS, rounds, seconds, settleS: 0.4, client, attach }).finally(() => client.stop());
  await server.stop();
  const untraced = baselineRange(samples.get('untraced')!);
  const figures: Record<string, number> = { rounds, roundsRun, roundsUsed, seconds, inflight: INFLIGHT, untracedSpread: untraced.spread };
  console.log(selection);
  console.log(untraced.line);
  console.log('tool                 RR/s (median)  vs untraced: median of rounds (95 % CI, IQR, min-max)            steal    idle     events     lost  lost %   CPU s/M events');
  for (const c of CONDS) {
    const s = summarize(samples.get(c)!);
    const e = acc.get(c)!;
    const cpuPerM = e.events ? (e.cpu / e.events) * 1e6 : NaN;
    const lostPct = e.events + e.lost ? (e.lost / (e.events + e.lost)) * 100 : 0;
    console.log(
      `${c.padEnd(20)} ${s.rrPerS.toFixed(0).padStart(13)}  ${(c === 'untraced' ? '-' : fmtRatio(s.ratio)).padEnd(58)} ${(s.stealShare * 100).toFixed(1).padStart(5)} %` +
        ` ${(s.idleShare * 100).toFixed(1).padStart(5)} %${String(e.events).padStart(11)} ${String(e.lost).padStart(8)} ${lostPct.toFixed(2).padStart(6)} % ${c === 'untraced' ? '' : cpuPerM.toFixed(2).padStart(10)}`,
    );
    const k = KEYS[c];
    Object.assign(figures, ratioFigures(`${k}Rate`, s.ratio), { [`${k}Rate`]: s.rrPerS, [`${k}StealShare`]: s.stealShare, [`${k}CpuIdleShare`]: s.idleShare });
    if (c !== 'untraced') {
      figures[`${k}Events`] = e.events;
      figures[`${k}Lost`] = e.lost;
      figures[`${k}CpuPerM`] = cpuPerM;
    }
  }
  const x = acc.get('xtrace agent side')!;
  const bt = acc.get('bpftrace')!;
  console.log(`CPU per million events, bpftrace / xtrace agent side: ${((bt.cpu / bt.events) / (x.cpu / x.events)).toFixed(1)} x`);
  figures['cpuAdvantage'] = bt.cpu / bt.events / (x.cpu / x.events);
  emitFigures('bpftrace', figures);
} finally {
  await lab.down();
}
