/**
 * The agent's kernel side alone, as a process in a host namespace: the real tracer
 * (createTracer: hooks with fallbacks, filter, ring buffer through the addon) with one probe,
 * records counted as binary batches the way the agent takes them (no per-record JS object,
 * no NDJSON: that is `xtrace trace`'s output cost, measured separately). Same lines as
 * `xtrace trace`: {"type":"ready",inventory} first, {"type":"summary",records,counters} on SIGTERM.
 *
 *   node build/test/bench/support/tracer-main.js SRC DST   (compiled: node tools/build.mjs)
 */
import { pino } from 'pino';
import { RECORD_SIZE } from '@xtrace/node-agent/proto'; // as the agent imports it (no gRPC modules)
import { createTracer } from '@xtrace/node-agent/tracing';
import { tuneAgentMemory } from '@xtrace/node-agent';

const [src, dst] = process.argv.slice(2);
if (!src || !dst) throw new Error('usage: tracer-main.ts SRC DST');
tuneAgentMemory(); // as the agent process does
const tracer = await createTracer({ logger: pino({ level: 'warn' }, pino.destination(2)) });
let records = 0;
tracer.onBatch((batch) => void (records += batch.byteLength / RECORD_SIZE));
tracer.addProbe({ slot: 0, src, dst });
process.stdout.write(`${JSON.stringify({ type: 'ready', pid: process.pid, inventory: await tracer.inventory() })}\n`);
const stop = async (): Promise<void> => {
  const counters = tracer.counters();
  await tracer.close();
  process.stdout.write(`${JSON.stringify({ type: 'summary', records, counters })}\n`, () => process.exit(0));
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
