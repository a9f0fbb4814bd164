/**
 * Closed-loop UDP request/response client (netperf UDP_RR with a burst): keeps `inflight`
 * requests outstanding and sends the next one as each reply arrives, so it measures how many
 * transactions/s the path turns around at saturation without overloading it (no queue overflow
 * deciding where packets die). A request unanswered for `timeoutMs` is sent again under a new
 * sequence number (the window never shrinks). Runs inside a VM namespace, continuously: the
 * caller picks its measurement windows from the ticks (support/closed-rr.ts).
 *
 * Arg: JSON {dst, port, inflight, seconds, size?, timeoutMs?, tickMs?}: runs `seconds` in all (or
 * until killed or its stdin closes) and prints every `tickMs` (50) one line
 * {"event":"tick","tNs":"<process.hrtime.bigint()>","replies":<cumulative>,"timeouts":<cumulative>,"inflight":<now>}.
 * hrtime is CLOCK_MONOTONIC, the same clock in every network namespace, so the caller's own
 * process.hrtime.bigint() places its windows on the same time line. Stdin lines `pause` (send
 * nothing new, not even again after a timeout: in flight drops to 0) and `resume` (fill the window again).
 */
import { createSocket } from 'node:dgram';
import { createInterface } from 'node:readline';

interface Args {
  dst: string;
  port: number;
  inflight: number;
  seconds: number;
  size?: number;
  timeoutMs?: number;
  tickMs?: number;
}
const a = JSON.parse(process.argv[2] ?? '{}') as Args;
const size = Math.max(16, a.size ?? 64);
const timeoutNs = BigInt(a.timeoutMs ?? 10) * 1_000_000n;
const tickNs = BigInt(a.tickMs ?? 50) * 1_000_000n;
const endNs = process.hrtime.bigint() + BigInt(Math.round(a.seconds * 1e9));
const sock = createSocket('udp4');
/** seq -> send time (ns) of the requests in flight */
const outstanding = new Map<number, bigint>();
let next = 0;
let replies = 0;
let timeouts = 0;
let paused = false;
const buf = Buffer.alloc(size);
buf.write('XTRU', 0, 'latin1');

function send(): void {
  if (paused) return;
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
  replies++;
  send();
});

const fill = (): void => {
  for (let i = outstanding.size; i < a.inflight; i++) send();
};

sock.bind(0, () => {
  fill();
  createInterface({ input: process.stdin })
    .on('line', (cmd) => {
      paused = cmd.trim() === 'pause';
      fill();
    })
    .on('close', () => process.exit(0)); // the benchmark is gone: nobody measures any more
  let lastTick = 0n;
  setInterval(() => {
    const now = process.hrtime.bigint();
    for (const [seq, at] of outstanding) {
      if (now - at > timeoutNs) {
        outstanding.delete(seq);
        timeouts++;
        send();
      }
    }
    if (now - lastTick >= tickNs) {
      lastTick = now;
      process.stdout.write(`{"event":"tick","tNs":"${now}","replies":${replies},"timeouts":${timeouts},"inflight":${outstanding.size}}\n`);
    }
    if (now >= endNs) {
      sock.close();
      process.exit(0);
    }
  }, 5);
});
