/**
 * Ring buffer drain rate on xtrace's REAL object: records/s the native addon hands to JS versus
 * a plain C libbpf consumer (native/bench/c-consumer.c, the practical limit) of the same
 * `xt_events` ring, in the same run, rounds alternating. The producer is xt_tc_ingress run by
 * BPF_PROG_TEST_RUN on a frame matching the probe (one record per run), on another thread in
 * both cases (addon: testRunAsync on the libuv pool; C: a pthread), as fast as the kernel runs it.
 * The addon uses the agent's ring options and ring size (node-agent tracer: RING_BATCHING,
 * DEFAULT_RING_BUFFER_BYTES).
 *
 *   node --import tsx test/bench/drain-compare.ts [repeat=2000000] [rounds=3]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RECORD_SIZE, RecordOffset } from '@xtrace/proto';
import { emitFigures, fmtRate, machineLine } from './support/report.js';
import { RING_BATCHING } from '@xtrace/node-agent/tracing';
import { MATCHING_FRAME, openTestRunObject, PROGRAM, RING } from './support/test-run-object.js';

const repeat = Number(process.argv[2] ?? 2_000_000);
const rounds = Number(process.argv[3] ?? 3);
const benchDir = fileURLToPath(new URL('../../native/bench/', import.meta.url));
execFileSync('make', ['-s', '-C', benchDir], { stdio: 'inherit' });

console.log(`drain compare (addon vs plain C libbpf consumer) on bpf/build/xtrace.bpf.o ${RING}, ${repeat} test runs per round`);
console.log(machineLine());

const t = openTestRunObject();
t.watch();

async function addonRound(): Promise<{ rate: number; received: number; full: number }> {
  let received = 0;
  let touched = 0;
  const ring = t.object.openRingBuffer(RING, { recordSize: RECORD_SIZE, ...RING_BATCHING }, (batch) => {
    received += batch.length / RECORD_SIZE;
    touched ^= batch.readUInt16LE(batch.length - RECORD_SIZE + RecordOffset.stage); // read a field, as a consumer would
  });
  const full0 = t.counters().ringbuf_full;
  const t0 = process.hrtime.bigint();
  await t.object.testRunAsync(PROGRAM, MATCHING_FRAME, repeat);
  await ring.close();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  void touched;
  return { rate: received / seconds, received, full: t.counters().ringbuf_full - full0 };
}

function cRound(): { rate: number; full: number; line: string } {
  const r = spawnSync(
    `${benchDir}out/c-consumer`,
    ['--prog-id', String(t.programId), '--ring', RING, '--counters', 'xt_counters', '--full-index', '4', '--record-size', String(RECORD_SIZE),
      '--frame', MATCHING_FRAME.toString('hex'), '--repeat', String(repeat), '--rounds', '1'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (r.status !== 0) throw new Error(`c-consumer failed (${r.status}): ${r.stderr}`);
  const json = r.stdout.split('\n').find((l) => l.startsWith('#C '));
  if (!json) throw new Error(`c-consumer printed no figures: ${r.stdout}`);
  const v = JSON.parse(json.slice(3)) as { meanRate: number; ringbufFull: number };
  return { rate: v.meanRate, full: v.ringbufFull, line: r.stdout.split('\n')[0] ?? '' };
}

const addon: number[] = [];
const c: number[] = [];
try {
  await addonRound(); // warm-up (JIT, page faults of the ring)
  for (let r = 1; r <= rounds; r++) {
    const a = await addonRound();
    addon.push(a.rate);
    console.log(`  round ${r} addon: ${fmtRate(a.rate)} records to JS (received ${a.received}, ringbuf_full ${a.full})`);
    const k = cRound();
    c.push(k.rate);
    console.log(`  round ${r} C    : ${fmtRate(k.rate)} (${k.line.replace(/^c-consumer round 1: /, '')})`);
  }
} finally {
  t.object.close();
}
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const ma = median(addon);
const mc = median(c);
console.log(`addon drain ${fmtRate(ma)}, C consumer ${fmtRate(mc)} (medians of ${rounds}): addon/C = ${((ma / mc) * 100).toFixed(1)} %`);
emitFigures('drain', { addonRate: ma, cRate: mc, ratio: ma / mc });
