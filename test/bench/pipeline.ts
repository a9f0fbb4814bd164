/**
 * Event pipeline throughput and loss: BPF ring buffer -> native addon -> JS (the real Agent:
 * split per probe, msgpack envelope) -> NATS (a real nats-server on loopback) -> controller
 * side (envelope decode, batch-sequence loss accounting) -> the matcher (PathMatcher), with
 * the loss at each step, at a ladder of offered rates; reports the highest rate with zero
 * loss end to end, and the agent's RSS idle and at that rate.
 *
 * The agent is its own process (support/bench-agent-main.ts, compiled by tsc -b as `xtrace agent` runs) whose kernel side is xtrace's
 * real object driven by BPF_PROG_TEST_RUN (one record per run, paced in 2 ms slices). Every
 * record carries the same packet id (one crafted frame), so the matcher takes its duplicate
 * path here; its cost on realistic records is matcher-bench (run-all's "matcher alone").
 *
 *   node --import tsx test/bench/pipeline.ts [seconds-per-step=2] [rates in k/s, comma-separated]
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { connect, type NatsConnection } from 'nats';
import { decodeEnvelope, RECORD_SIZE, Subjects } from '@xtrace/proto';
import { startEmbeddedNats } from '../../controller/src/embedded-nats.js';
import { BatchSequence } from '../../controller/src/batch-sequence.js';
import { PathMatcher } from '@xtrace/controller/analysis';
import { emitFigures, fmtRate, machineLine, rssMb, sleep, threadCpuByName, threadsCpuSeconds } from './support/report.js';
import { PAIR } from './support/test-run-object.js';
import { buildAll, compiledMain } from './support/compiled-main.js';

const seconds = Number(process.argv[2] ?? 2);
const ladder = (process.argv[3] ?? '250,500,750,1000,1250,1500,2000').split(',').map((k) => Number(k) * 1000);
const HOST = `bench${process.pid}`;
const PROBE = `pipe${process.pid}`;

interface DriveReply {
  offered: number;
  driveS: number;
  emitted: number;
  ringbufFull: number;
  jsRecords: number;
  peakRssMb: number;
  cpuS: number;
  /** CPU seconds by thread name: main, xt-ringbuf (the addon's drain), node (libuv's pool: the producer; V8's helpers) */
  threadCpuS: Record<string, number>;
}

/** CPU µs per delivered record, by part of the pipeline */
interface StepCpu {
  rate: number;
  parts: Record<string, number>;
}

/** the pipeline's parts, without the producer: what a real agent and controller spend per record */
const PIPELINE_PARTS = ['agent drain thread', 'agent main thread', 'nats-server', 'controller main thread', 'controller other threads'] as const;

console.log(`event pipeline: ring buffer -> addon -> agent (JS) -> NATS -> controller decode -> matcher; ${seconds} s per step`);
console.log(machineLine());

const nats = await startEmbeddedNats({ instance: `bench-${process.pid}` });
// the agent process runs compiled JS, as `xtrace agent` does (built now: never an old build)
buildAll();
const agentMain = compiledMain('test/bench/support/bench-agent-main.ts');
const nodeArgs = (process.env['XTRACE_BENCH_AGENT_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
const child = spawn(process.execPath, [...nodeArgs, agentMain, JSON.stringify({ natsUrl: nats.url, hostId: HOST })], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let nc: NatsConnection | undefined;
let best: { rate: number; offered: number; peakRssMb: number } | undefined;
let idleRss = NaN;
const figures: Record<string, number> = {};
try {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bench agent not ready in 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`bench agent exited (${code})`)));
    createInterface({ input: child.stdout! }).on('line', (l) => {
      if (l.includes('"ready"')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  nc = await connect({ servers: nats.url, name: 'bench-controller' });
  const start = await nc.request(
    Subjects.agentCmd(HOST),
    JSON.stringify({ op: 'startProbe', probeId: PROBE, src: PAIR.src, dst: PAIR.dst, leaseMs: 600_000 }),
    { timeout: 5000 },
  );
  const sr = start.json<{ ok: boolean; error?: unknown }>();
  if (!sr.ok) throw new Error(`startProbe failed: ${JSON.stringify(sr.error)}`);

  // controller side: decode, sequence accounting, matcher (host is the receiver: nic_rx is on its forward path)
  const seqs = new BatchSequence();
  const matcher = new PathMatcher({ hosts: ['peer', HOST], timeoutMs: 500 });
  let received = 0;
  let lastRecvMs = 0;
  let badEnvelopes = 0;
  nc.subscribe(Subjects.eventsOfProbe(PROBE), {
    callback: (err, msg) => {
      if (err) return;
      try {
        const env = decodeEnvelope(msg.data);
        seqs.accept(env.bootId, env.seq);
        received += env.records.byteLength / RECORD_SIZE;
        if (env.records.byteLength > 0) lastRecvMs = performance.now();
        matcher.ingest({ hostId: env.host, bootId: env.bootId, seq: env.seq, records: env.records }, Date.now());
      } catch {
        badEnvelopes++;
      }
    },
  });
  await nc.flush();
  await sleep(1000);
  idleRss = (await nc.request(`xtrace.bench.${HOST}.rss`, '', { timeout: 5000 })).json<{ rssMb: number }>().rssMb;
  console.log(`agent RSS idle (probe active, no traffic): ${idleRss.toFixed(1)} MB; controller side RSS ${rssMb().toFixed(1)} MB`);
  console.log(
    '  offered    producer  kernel-lost  ring->JS-lost  agent->controller-lost  matcher-lost  delivered/s  batches-lost  agent-RSS  agent-CPU',
  );
  const stepCpu: StepCpu[] = [];
  for (const rate of ladder) {
    const r0 = received;
    const nats0 = threadsCpuSeconds(nats.pid);
    const self0 = threadCpuByName();
    const lost0 = seqs.lost;
    const m0 = matcher.counters.records_in;
    const st0 = (await nc.request(Subjects.agentCmd(HOST), JSON.stringify({ op: 'status' }), { timeout: 5000 })).json<{
      result: { probes: { records: number }[] };
    }>();
    const pub0 = st0.result.probes[0]?.records ?? 0;
    const t0 = performance.now();
    const d = (await nc.request(`xtrace.bench.${HOST}.drive`, JSON.stringify({ rate, seconds }), { timeout: seconds * 1000 + 30_000 })).json<DriveReply>();
    // wait for the tail to arrive (quiet 300 ms)
    let seen = -1;
    while (seen !== received) {
      seen = received;
      await sleep(300);
    }
    const st1 = (await nc.request(Subjects.agentCmd(HOST), JSON.stringify({ op: 'status' }), { timeout: 5000 })).json<{
      result: { probes: { records: number }[] };
    }>();
    const published = (st1.result.probes[0]?.records ?? 0) - pub0;
    const got = received - r0;
    const self1 = threadCpuByName();
    const selfMain = (self1.get('main') ?? 0) - (self0.get('main') ?? 0);
    const selfAll = [...self1.values()].reduce((a, b) => a + b, 0) - [...self0.values()].reduce((a, b) => a + b, 0);
    const agentOther = Object.entries(d.threadCpuS).filter(([name]) => name !== 'main' && name !== 'xt-ringbuf').reduce((a, [, v]) => a + v, 0);
    const us = (cpuS: number): number => (got > 0 ? (cpuS * 1e6) / got : NaN);
    stepCpu.push({
      rate,
      parts: {
        producer: us(agentOther),
        'agent drain thread': us(d.threadCpuS['xt-ringbuf'] ?? 0),
        'agent main thread': us(d.threadCpuS['main'] ?? 0),
        'nats-server': us(threadsCpuSeconds(nats.pid) - nats0),
        'controller main thread': us(selfMain),
        'controller other threads': us(selfAll - selfMain),
      },
    });
    const kernelLost = d.ringbufFull;
    const ringLost = d.emitted - d.jsRecords;
    const jsLost = d.jsRecords - published; // records the agent took but did not publish
    const natsLost = published - got;
    const matcherLost = got - (matcher.counters.records_in - m0);
    const elapsed = (lastRecvMs - t0) / 1000;
    const delivered = got / Math.max(elapsed, d.driveS);
    const totalLost = kernelLost + ringLost + jsLost + natsLost + matcherLost;
    console.log(
      `  ${fmtRate(rate).padStart(9)} ${fmtRate(d.offered / d.driveS).padStart(9)} ${String(kernelLost).padStart(12)} ${String(ringLost).padStart(14)} ` +
        `${String(jsLost + natsLost).padStart(23)} ${String(matcherLost).padStart(13)} ${fmtRate(delivered).padStart(12)} ` +
        `${String(seqs.lost - lost0).padStart(13)} ${d.peakRssMb.toFixed(1).padStart(7)} MB ${((d.cpuS / d.driveS) * 100).toFixed(0).padStart(6)} %`,
    );
    if (totalLost === 0 && seqs.lost === lost0 && got === d.offered) {
      if (!best || delivered > best.rate) best = { rate: delivered, offered: rate, peakRssMb: d.peakRssMb };
    } else if (totalLost > 0) {
      break; // beyond the zero-loss range: higher rates only lose more
    }
  }
  // where the CPU goes per record: what bounds the pipeline on this machine's cores
  console.log(`CPU per delivered record, µs (producer = the agent's other threads: libuv's pool running the test runs, which a real agent does not have, and V8's helper threads, which it has: the pipeline's sum leaves both out; every record the same packet, so the matcher takes its duplicate path: its cost on real packets is matcher-bench's)`);
  console.log(`  ${'offered'.padStart(9)} ${['producer', ...PIPELINE_PARTS].map((p) => p.padStart(p.length + 1)).join('')}  pipeline (no producer)`);
  for (const c of stepCpu) {
    const pipelineUs = PIPELINE_PARTS.reduce((a, p) => a + (c.parts[p] ?? 0), 0);
    console.log(`  ${fmtRate(c.rate).padStart(9)} ${['producer', ...PIPELINE_PARTS].map((p) => (c.parts[p] ?? NaN).toFixed(3).padStart(p.length + 1)).join('')}  ${pipelineUs.toFixed(3)} µs: ${os.cpus().length} cores carry at most ${fmtRate((os.cpus().length * 1e6) / pipelineUs)} records/s`);
  }
  const atBest = stepCpu.find((c) => c.rate === best?.offered) ?? stepCpu.at(-1);
  if (atBest) figures['pipelineCpuUsPerRecord'] = PIPELINE_PARTS.reduce((a, p) => a + (atBest.parts[p] ?? 0), 0);
  console.log(`bad envelopes ${badEnvelopes}; matcher counters: records_in ${matcher.counters.records_in}, duplicates ${matcher.counters.duplicates}, lost_batches ${matcher.counters.lost_batches}`);
  console.log(`controller side (decode + matcher) RSS ${rssMb().toFixed(1)} MB`);
  if (best) {
    console.log(
      `highest zero-loss rate: ${fmtRate(best.rate)} records/s delivered end to end (step offered ${fmtRate(best.offered)}); agent RSS there ${best.peakRssMb.toFixed(1)} MB (idle ${idleRss.toFixed(1)} MB)`,
    );
  } else console.log('no step ran without loss');
  figures['zeroLossRate'] = best?.rate ?? 0;
  figures['agentRssIdleMb'] = idleRss;
  figures['agentRssAtRateMb'] = best?.peakRssMb ?? NaN;
  figures['controllerRssMb'] = rssMb();
  emitFigures('pipeline', figures);
} finally {
  await nc?.close().catch(() => undefined);
  if (child.exitCode === null) {
    child.kill('SIGTERM');
    await Promise.race([new Promise((r) => child.once('exit', r)), sleep(5000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  await nats.stop();
}
