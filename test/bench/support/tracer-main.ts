/**
 * The agent's kernel side alone, as a process in a host namespace: the real tracer
 * (createTracer: hooks with fallbacks, filter, ring buffer through the addon) with one probe,
 * records counted as binary batches the way the agent takes them (no per-record JS object,
 * no NDJSON: that is `xtrace trace`'s output cost, measured separately). Same lines as
 * `xtrace trace`: {"type":"ready",inventory} first, {"type":"summary",records,counters,programs} on SIGTERM
 * (programs: run count and time of each program that ran; times need bpf_stats on).
 *
 *   node test/bench/dist/test/bench/support/tracer-main.js SRC DST   (compiled: npm run build)
 */
import { pino } from 'pino';
import { RECORD_SIZE } from '@xtrace/proto';
import { createTracer } from '@xtrace/node-agent/tracing';
import { tuneAgentMemory } from '@xtrace/node-agent';

const [src, dst] = process.argv.slice(2);
if (!src || !dst) throw new Error('usage: tracer-main.ts SRC DST');
tuneAgentMemory(); // as the agent process does
// XTRACE_BENCH_RING_MB: another ring size than the agent's default (experiments)
const ringMb = Number(process.env['XTRACE_BENCH_RING_MB'] ?? 0);
// XTRACE_BENCH_BPF_OBJECT: another build of the object (experiments on the programs)
const bpfObjectPath = process.env['XTRACE_BENCH_BPF_OBJECT'];
// XTRACE_BENCH_SAMPLE=K/N: the probe keeps K of every N packets, as `xtrace pair --sample K/N`
const sample = process.env['XTRACE_BENCH_SAMPLE']?.split('/').map(Number);
// XTRACE_BENCH_BATCH=0: every record a ring entry of its own (no per-CPU batches)
const recordBatching = process.env['XTRACE_BENCH_BATCH'] !== '0';
const tracer = await createTracer({
  logger: pino({ level: 'warn' }, pino.destination(2)),
  ...(ringMb > 0 ? { ringBufferBytes: ringMb << 20 } : {}),
  ...(bpfObjectPath ? { bpfObjectPath } : {}),
  recordBatching,
});
let records = 0;
tracer.onBatch((batch) => void (records += batch.byteLength / RECORD_SIZE));
tracer.addProbe({ slot: 0, src, dst, ...(sample ? { sampleK: sample[0], sampleN: sample[1] } : {}) });
process.stdout.write(`${JSON.stringify({ type: 'ready', pid: process.pid, inventory: await tracer.inventory() })}\n`);
const stop = async (): Promise<void> => {
  const counters = tracer.counters();
  const programs = tracer.programStats().filter((p) => p.runCount > 0);
  await tracer.close();
  process.stdout.write(`${JSON.stringify({ type: 'summary', records, counters, programs })}\n`, () => process.exit(0));
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
