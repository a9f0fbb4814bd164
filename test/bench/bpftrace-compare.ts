/**
 * xtrace against the tool operators use today, bpftrace (Debian's), at the same hooks and on
 * the same traffic in the same run. Both use the tracepoints net:netif_receive_skb and
 * net:net_dev_start_xmit on the hypervisors' stage devices (vnet*, vxlan*, nic*): xtrace with
 * XTRACE_DISABLE_HOOKS=tcx,clsact so it falls back from tc to tp_btf at those points, bpftrace
 * printing one line per packet and hook to a file (-o). Traffic: closed-loop UDP request/response
 * VM A -> VM B (32 requests in flight, support/udp-rr-closed-main.ts) for N seconds: the
 * transactions/s the saturated path completes is the max packet rate. Rounds run every condition
 * in a rotating order; a tool's rate ratio is the median over rounds of its rate over the untraced
 * rate of the same round. Per tool: events captured, events lost (bpftrace "Lost N events", xtrace
 * ringbuf_full), CPU of the tool's processes (all threads, schedstat) from attach to 300 ms after
 * the traffic per million events.
 * xtrace runs as the agent's kernel side (support/tracer-main.ts, binary batches, one process
 * per hypervisor) and as `xtrace trace` (one NDJSON line per record, like bpftrace's lines).
 *
 *   node --import tsx test/bench/bpftrace-compare.ts [rounds=5] [seconds=3]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, ping, startUdpEchoServer } from '@xtrace/test';
import { emitFigures, machineLine, sleep, threadsCpuSeconds } from './support/report.js';
import { closedLoopRr } from './support/closed-rr.js';
import { TraceRunner } from './support/trace-runner.js';

const rounds = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 3);
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
  cpu0: number;
  /** stops and returns events captured and lost */
  stop(): Promise<{ events: number; lost: number }>;
}

class Bpftrace implements Tool {
  pids: number[] = [];
  cpu0 = 0;
  private child!: ChildProcess;
  private stderr = '';
  private readonly out = join(tmpdir(), `xtrace-bench-bt-${process.pid}-${Date.now()}.txt`);
  private readonly script = join(tmpdir(), `xtrace-bench-bt-${process.pid}.bt`);
  async start(): Promise<void> {
    writeFileSync(this.script, SCRIPT);
    this.child = spawn('bpftrace', ['-o', this.out, this.script], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.pids = [this.child.pid!];
    const deadline = Date.now() + 30_000;
    while (!this.text(4096).includes('Attaching')) {
      if (this.child.exitCode !== null || Date.now() > deadline) throw new Error(`bpftrace did not attach: ${this.stderr}`);
      await sleep(50);
    }
    await sleep(200);
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
let running: Tool | undefined;
try {
  const a = lab.vm(0, 0);
  const b = lab.vm(1, 0);
  await ping(lab, a, b.ip, { count: 2, intervalMs: 50 });
  const server = await startUdpEchoServer(lab, b, PORT, { durationMs: 600_000 });
  const res = new Map<Cond, { rate: number[]; ratio: number[]; events: number; lost: number; cpu: number }>();
  for (const c of CONDS) res.set(c, { rate: [], ratio: [], events: 0, lost: 0, cpu: 0 });
  let stagesShown = false;
  for (let round = 0; round < rounds; round++) {
    // rotating order: every condition runs early and late in a round as often as the others
    const order = CONDS.map((_, i) => CONDS[(i + round) % CONDS.length]!);
    const got = new Map<Cond, number>();
    const lines: string[] = [];
    for (const c of order) {
      running = undefined;
      if (c === 'bpftrace') {
        const bt = new Bpftrace();
        await bt.start();
        running = bt;
      } else if (c !== 'untraced') {
        const env = { XTRACE_DISABLE_HOOKS: 'tcx,clsact' };
        const ts = [0, 1].map((h) => TraceRunner.start(lab, h, a.ip, b.ip, env, c === 'xtrace trace CLI' ? 'cli' : 'tracer'));
        const inv = await Promise.all(ts.map((t) => t.ready()));
        if (!stagesShown) {
          stagesShown = true;
          console.log(`  xtrace stages: ${inv[0]!.stages.filter((s) => s.attached).map((s) => `${s.stage}=${s.hook}`).join(', ')}`);
        }
        running = {
          pids: ts.map((t) => t.pid),
          cpu0: 0,
          async stop() {
            const s = await Promise.all(ts.map((t) => t.stop()));
            return { events: s.reduce((x, v) => x + (v?.records ?? 0), 0), lost: s.reduce((x, v) => x + (v?.counters['ringbuf_full'] ?? 0), 0) };
          },
        };
      }
      if (running) running.cpu0 = running.pids.reduce((x, p) => x + threadsCpuSeconds(p), 0);
      const r = await closedLoopRr(lab, a, b.ip, PORT, { inflight: INFLIGHT, seconds });
      const entry = res.get(c)!;
      entry.rate.push(r.rrPerS);
      got.set(c, r.rrPerS);
      let line = `${c} ${r.rrPerS.toFixed(0)} RR/s`;
      if (running) {
        await sleep(300); // let the tool drain what is in flight
        const cpu = running.pids.reduce((x, p) => x + threadsCpuSeconds(p), 0) - running.cpu0;
        const { events, lost } = await running.stop();
        running = undefined;
        entry.events += events;
        entry.lost += lost;
        entry.cpu += cpu;
        line += ` (events ${events}, lost ${lost}, CPU ${cpu.toFixed(2)} s)`;
      }
      lines.push(line);
    }
    const base = got.get('untraced')!;
    for (const c of CONDS) res.get(c)!.ratio.push(got.get(c)! / base);
    console.log(`  round ${round + 1}: ${lines.join('; ')}`);
  }
  await server.stop();
  const med = (xs: number[]): number => {
    const v = [...xs].sort((x, y) => x - y);
    return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
  };
  const untracedRuns = res.get('untraced')!.rate;
  const figures: Record<string, number> = { rounds, inflight: INFLIGHT, untracedSpread: Math.max(...untracedRuns) / Math.min(...untracedRuns) };
  console.log(`untraced throughput over the rounds: ${Math.min(...untracedRuns).toFixed(0)}-${Math.max(...untracedRuns).toFixed(0)} RR/s (other load on the machine moves it)`);
  console.log('tool                 RR/s (median)  vs untraced (median of rounds, min-max)    events     lost  lost %   CPU s/M events');
  for (const c of CONDS) {
    const e = res.get(c)!;
    const rate = med(e.rate);
    const ratio = med(e.ratio);
    const cpuPerM = e.events ? (e.cpu / e.events) * 1e6 : NaN;
    const lostPct = e.events + e.lost ? (e.lost / (e.events + e.lost)) * 100 : 0;
    console.log(
      `${c.padEnd(20)} ${rate.toFixed(0).padStart(13)} ${(ratio * 100).toFixed(1).padStart(9)} % (${(Math.min(...e.ratio) * 100).toFixed(1)}-${(Math.max(...e.ratio) * 100).toFixed(1)} %)` +
        `${String(e.events).padStart(19)} ${String(e.lost).padStart(8)} ${lostPct.toFixed(2).padStart(6)} % ${c === 'untraced' ? '' : cpuPerM.toFixed(2).padStart(10)}`,
    );
    const k = KEYS[c];
    figures[`${k}Rate`] = rate;
    figures[`${k}RateRatio`] = ratio;
    figures[`${k}RateRatioMin`] = Math.min(...e.ratio);
    figures[`${k}RateRatioMax`] = Math.max(...e.ratio);
    if (c !== 'untraced') {
      figures[`${k}Events`] = e.events;
      figures[`${k}Lost`] = e.lost;
      figures[`${k}CpuPerM`] = cpuPerM;
    }
  }
  const x = res.get('xtrace agent side')!;
  const bt = res.get('bpftrace')!;
  console.log(`CPU per million events, bpftrace / xtrace agent side: ${((bt.cpu / bt.events) / (x.cpu / x.events)).toFixed(1)} x`);
  figures['cpuAdvantage'] = bt.cpu / bt.events / (x.cpu / x.events);
  emitFigures('bpftrace', figures);
} finally {
  if (running) await running.stop().catch(() => undefined);
  await lab.down();
}
