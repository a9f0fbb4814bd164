/**
 * Closed-loop UDP request/response client (netperf UDP_RR with a burst): keeps `inflight`
 * requests outstanding and sends the next one as each reply arrives, so it measures how many
 * transactions/s the path turns around at saturation without overloading it (no queue overflow
 * deciding where packets die). A request unanswered for `timeoutMs` is sent again under a new
 * sequence number (the window never shrinks). Runs inside a VM namespace.
 *
 * Arg: JSON {dst, port, inflight, seconds, warmupS?, size?, timeoutMs?}. Prints one JSON line
 * {"event":"result", replies, seconds, rrPerS, timeouts}: replies counted after the warm-up.
 */
import { createSocket } from 'node:dgram';

interface Args {
  dst: string;
  port: number;
  inflight: number;
  seconds: number;
  warmupS?: number;
  size?: number;
  timeoutMs?: number;
}
const a = JSON.parse(process.argv[2] ?? '{}') as Args;
const size = Math.max(16, a.size ?? 64);
const timeoutMs = a.timeoutMs ?? 10;
const warmupNs = BigInt(Math.round((a.warmupS ?? 0.5) * 1e9));
const sock = createSocket('udp4');
/** seq -> send time (ns) of the requests in flight */
const outstanding = new Map<number, bigint>();
let next = 0;
let replies = 0;
let timeouts = 0;
let t0 = 0n;
let measuring = false;
const buf = Buffer.alloc(size);
buf.write('XTRU', 0, 'latin1');

function send(): void {
  const seq = next++ >>> 0;
  buf.writeUInt32BE(seq, 4);
  const now = process.hrtime.bigint();
  buf.writeBigUInt64BE(now, 8);
  outstanding.set(seq, now);
  sock.send(buf, a.port, a.dst);
}

sock.on('message', (msg) => {
  if (msg.length < 16 || msg.toString('latin1', 0, 4) !== 'XTRU') return;
  const seq = msg.readUInt32BE(4);
  if (!outstanding.delete(seq)) return; // a late reply to a request already sent again
  if (measuring) replies++;
  send();
});

sock.bind(0, () => {
  const start = process.hrtime.bigint();
  for (let i = 0; i < a.inflight; i++) send();
  const timer = setInterval(() => {
    const now = process.hrtime.bigint();
    if (!measuring && now - start >= warmupNs) {
      measuring = true;
      t0 = now;
    }
    for (const [seq, at] of outstanding) {
      if (now - at > BigInt(timeoutMs) * 1_000_000n) {
        outstanding.delete(seq);
        timeouts++;
        send();
      }
    }
    if (measuring && now - t0 >= BigInt(Math.round(a.seconds * 1e9))) {
      clearInterval(timer);
      const s = Number(now - t0) / 1e9;
      const res = { event: 'result', replies, seconds: s, rrPerS: replies / s, timeouts };
      sock.close();
      process.stdout.write(JSON.stringify(res) + '\n', () => process.exit(0));
    }
  }, 5);
});
