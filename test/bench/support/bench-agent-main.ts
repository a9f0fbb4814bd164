/**
 * The agent side of the pipeline benchmark, as its own process (like a real agent): the real
 * Agent (node-agent/src/agent.ts: probe commands over NATS, per-probe split, msgpack
 * envelopes) over a Tracer whose kernel side is xtrace's real BPF object, fed by
 * BPF_PROG_TEST_RUN instead of packets (packets run out long before the ring buffer does).
 *
 * Arg: JSON {natsUrl, hostId}. Prints {"event":"ready"} once registered. Answers on
 *   xtrace.bench.<host>.drive  {rate, seconds} -> paced test runs, replies with the counts
 *   xtrace.bench.<host>.rss    -> {rssMb, cpuS}
 * Drive replies carry the step's peak RSS (VmHWM) and CPU by thread; XTRACE_BENCH_MEMDEBUG=1 prints where the
 * memory is (V8 heap, Buffers, anonymous vs file pages) every 250 ms on stderr.
 * Exits on SIGTERM.
 */
import { connect } from 'nats';
import { pino } from 'pino';
import { RECORD_SIZE } from '@xtrace/proto';
import { Agent, tuneAgentMemory } from '@xtrace/node-agent';

import { BATCH_STAGING, configValue, ProbeTable, RING_BATCHING, ZERO_KEY, type Counters, type Inventory, type ProbeFilter, type Tracer } from '@xtrace/node-agent/tracing';
import type { RingBuffer } from '@xtrace/native';
import { cpuSeconds, memoryLine, peakRssMb, resetPeakRss, rssMb, sleep, threadCpuByName } from './report.js';
import { MATCHING_FRAME, openTestRunObject, PROGRAM, RING, type TestRunObject } from './test-run-object.js';

tuneAgentMemory(); // as `xtrace agent` does
const args = JSON.parse(process.argv[2] ?? '{}') as { natsUrl: string; hostId: string };
// XTRACE_BENCH_BATCH=0: a ring entry per record (no per-CPU batches), as tracer-main
const batch = process.env['XTRACE_BENCH_BATCH'] !== '0';

/** The Tracer contract over the test-run object: the agent cannot tell it from the real one. */
class TestRunTracer implements Tracer {
  readonly listeners: ((records: Buffer) => void)[] = [];
  private readonly probes: ProbeTable;
  private readonly ring: RingBuffer;
  /** records handed to JS by the addon */
  jsRecords = 0;

  /** the benchmark reports no faults */
  onFault(): void {}

  constructor(readonly t: TestRunObject) {
    this.probes = new ProbeTable({
      update: (k, v) => t.object.mapUpdate('xt_probes', k, v),
      remove: (k) => void t.object.mapDelete('xt_probes', k),
    });
    // the node-agent tracer's ring options (tracer.ts RING_BATCHING, per-CPU batches) and ring size (openTestRunObject)
    this.ring = t.object.openRingBuffer(RING, { recordSize: RECORD_SIZE, ...RING_BATCHING, ...(batch ? { staging: BATCH_STAGING } : {}) }, (batch) => {
      this.jsRecords += batch.length / RECORD_SIZE;
      for (const l of this.listeners) l(batch);
    });
  }
  async inventory(): Promise<Inventory> {
    return { netns: this.t.netns, interfaces: [], vms: [], stages: [] };
  }
  addProbe(filter: ProbeFilter): void {
    this.probes.add(filter);
    this.t.object.mapUpdate('xt_config_map', ZERO_KEY, configValue(this.probes.size, this.t.netns, { batch }));
  }
  removeProbe(slot: number): void {
    if (this.probes.remove(slot)) this.t.object.mapUpdate('xt_config_map', ZERO_KEY, configValue(this.probes.size, this.t.netns, { batch }));
  }
  onBatch(listener: (records: Buffer) => void): void {
    this.listeners.push(listener);
  }
  counters(): Counters {
    return this.t.counters();
  }
  async close(): Promise<void> {
    await this.ring.close();
    this.t.object.close();
  }
}

const logger = pino({ level: 'warn' }, pino.destination(2));
const tracer = new TestRunTracer(openTestRunObject());
const nc = await connect({ servers: args.natsUrl, name: `bench-agent-${args.hostId}` });
// XTRACE_BENCH_MAX_BATCH_RECORDS: records per envelope (the agent's maxBatchRecords), for A/Bs
const maxBatch = Number(process.env['XTRACE_BENCH_MAX_BATCH_RECORDS'] ?? 0);
// XTRACE_BENCH_PUBLISH_WINDOW_MB: the agent's publish window (--publish-window), for A/Bs
const windowMb = Number(process.env['XTRACE_BENCH_PUBLISH_WINDOW_MB'] ?? 0);
const agent = new Agent({
  nc,
  tracer,
  hostId: args.hostId,
  bootId: 'bench-boot',
  logger,
  flushMs: 50,
  ...(maxBatch > 0 ? { maxBatchRecords: maxBatch } : {}),
  ...(windowMb > 0 ? { maxUnconfirmedBytes: windowMb * 1024 ** 2 } : {}),
});
await agent.start();

/** Runs the program `rate` times a second for `seconds`, in 2 ms slices on the libuv pool. */
async function drive(rate: number, seconds: number): Promise<number> {
  const sliceMs = 2;
  const t0 = performance.now();
  let offered = 0;
  const total = Math.round(rate * seconds);
  while (offered < total) {
    const due = Math.min(total, Math.round(((performance.now() - t0) / 1000) * rate));
    const n = due - offered;
    if (n > 0) {
      await tracer.t.object.testRunAsync(PROGRAM, MATCHING_FRAME, n);
      offered += n;
    } else await sleep(sliceMs);
  }
  return offered;
}

/** CPU seconds per thread name from `from` to now */
function threadCpuSince(from: Map<string, number>): Record<string, number> {
  const now = threadCpuByName();
  return Object.fromEntries([...now].map(([name, s]) => [name, s - (from.get(name) ?? 0)]));
}

nc.subscribe(`xtrace.bench.${args.hostId}.drive`, {
  callback: (_err, msg) => {
    void (async () => {
      const { rate, seconds } = msg.json<{ rate: number; seconds: number }>();
      const c0 = tracer.counters();
      const js0 = tracer.jsRecords;
      const cpu0 = cpuSeconds();
      const threads0 = threadCpuByName();
      resetPeakRss(); // VmHWM from here: the true peak of the step, not a sample
      const memDebug = process.env['XTRACE_BENCH_MEMDEBUG'] ? setInterval(() => process.stderr.write(`agent memory: ${memoryLine()}\n`), 250) : undefined;
      const t0 = performance.now();
      const offered = await drive(rate, seconds);
      const driveS = (performance.now() - t0) / 1000;
      await sleep(400); // the ring's flush (100 ms) and the agent's tick (50 ms)
      clearInterval(memDebug);
      const c1 = tracer.counters();
      msg.respond(
        JSON.stringify({
          offered,
          driveS,
          emitted: c1.emitted - c0.emitted,
          ringbufFull: c1.ringbuf_full - c0.ringbuf_full,
          jsRecords: tracer.jsRecords - js0,
          peakRssMb: peakRssMb(),
          cpuS: cpuSeconds() - cpu0,
          threadCpuS: threadCpuSince(threads0),
        }),
      );
    })();
  },
});
nc.subscribe(`xtrace.bench.${args.hostId}.rss`, {
  callback: (_err, msg) => msg.respond(JSON.stringify({ rssMb: rssMb(), cpuS: cpuSeconds() })),
});
await nc.flush();
process.stdout.write(JSON.stringify({ event: 'ready', pid: process.pid }) + '\n');

const stop = async (): Promise<void> => {
  await agent.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
