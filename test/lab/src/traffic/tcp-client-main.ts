// TCP request/response client (runs inside a VM namespace): connects, then sends `count`
// requests of `size` bytes (each starting with "XTRT" + sequence number), waits for each full
// echo, paced at `ratePps` (0 = back to back). Arg: JSON {dst, port, count, size?, ratePps?, maxDurationMs?}.
// Prints {"event":"result", connectUs, requests, responses, rttUs, error?}.
import { connect } from 'node:net';
import { summarize } from './summary.js';

interface Args {
  dst: string;
  port: number;
  count: number;
  size?: number;
  ratePps?: number;
  maxDurationMs?: number;
}
const a = JSON.parse(process.argv[2] ?? '{}') as Args;
const size = Math.max(8, a.size ?? 64);
const rtts: number[] = [];
let requests = 0;
let responses = 0;
let connectUs = -1;
let done = false;
const t0 = process.hrtime.bigint();
const sock = connect({ host: a.dst, port: a.port });
sock.setNoDelay(true);

function finish(error?: string): void {
  if (done) return;
  done = true;
  sock.destroy();
  const res = { event: 'result', connectUs, requests, responses, rttUs: summarize(rtts), ...(error ? { error } : {}) };
  process.stdout.write(JSON.stringify(res) + '\n', () => process.exit(0));
}
setTimeout(() => finish('timeout'), a.maxDurationMs ?? 30_000).unref();

let sentAt = 0n;
let pending = 0;
function sendNext(): void {
  if (requests >= a.count) return finish();
  const buf = Buffer.alloc(size);
  buf.write('XTRT', 0, 'latin1');
  buf.writeUInt32BE(requests, 4);
  requests++;
  pending = size;
  sentAt = process.hrtime.bigint();
  sock.write(buf);
}
sock.on('connect', () => {
  connectUs = Number(process.hrtime.bigint() - t0) / 1000;
  sendNext();
});
sock.on('data', (d) => {
  pending -= d.length;
  if (pending > 0) return;
  rtts.push(Number(process.hrtime.bigint() - sentAt) / 1000);
  responses++;
  const gapMs = a.ratePps ? 1000 / a.ratePps : 0;
  if (gapMs > 0) setTimeout(sendNext, gapMs);
  else sendNext();
});
sock.on('error', (e) => finish(e.message));
