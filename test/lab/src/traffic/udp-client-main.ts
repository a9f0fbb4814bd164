// UDP request/response client (runs inside a VM namespace). Sends `count` datagrams at
// `ratePps` to dst:port, each carrying "XTRU", a sequence number and its send time; matches
// echoes by sequence number. Arg: JSON {dst, port, count, ratePps, size?, timeoutMs?, maxDurationMs?}.
// Prints one JSON line {"event":"result", sent, received, lost, duplicates, reordered, lossRate, rttUs, lostSeqs}.
import { createSocket } from 'node:dgram';
import { summarize } from './summary.js';

interface Args {
  dst: string;
  port: number;
  count: number;
  ratePps: number;
  size?: number;
  /** how long to wait for replies after the last send */
  timeoutMs?: number;
  /** hard bound on the whole run */
  maxDurationMs?: number;
}
const a = JSON.parse(process.argv[2] ?? '{}') as Args;
const size = Math.max(16, a.size ?? 64);
const timeoutMs = a.timeoutMs ?? 1000;
const sendTimes = new Map<number, bigint>();
const rtts: number[] = [];
const gotSeq = new Set<number>();
let duplicates = 0;
let reordered = 0;
let lastSeq = -1;
let sent = 0;
const sock = createSocket('udp4');
sock.on('message', (msg) => {
  const now = process.hrtime.bigint();
  if (msg.length < 16 || msg.toString('latin1', 0, 4) !== 'XTRU') return;
  const seq = msg.readUInt32BE(4);
  if (gotSeq.has(seq)) {
    duplicates++;
    return;
  }
  const t0 = sendTimes.get(seq);
  if (t0 === undefined) return;
  gotSeq.add(seq);
  if (seq < lastSeq) reordered++;
  lastSeq = Math.max(lastSeq, seq);
  rtts.push(Number(now - t0) / 1000);
  if (gotSeq.size === a.count) finish();
});

let done = false;
function finish(): void {
  if (done) return;
  done = true;
  const lostSeqs: number[] = [];
  for (let s = 0; s < sent && lostSeqs.length < 100; s++) if (!gotSeq.has(s)) lostSeqs.push(s);
  const received = gotSeq.size;
  const res = {
    event: 'result',
    sent,
    received,
    lost: sent - received,
    duplicates,
    reordered,
    lossRate: sent ? (sent - received) / sent : 0,
    rttUs: summarize(rtts),
    lostSeqs,
  };
  sock.close();
  process.stdout.write(JSON.stringify(res) + '\n', () => process.exit(0));
}

const start = process.hrtime.bigint();
const intervalNs = 1e9 / a.ratePps;
setTimeout(finish, a.maxDurationMs ?? (a.count / a.ratePps) * 1000 + timeoutMs + 5000).unref();
function pump(): void {
  const due = Math.min(a.count, Math.floor(Number(process.hrtime.bigint() - start) / intervalNs) + 1);
  while (sent < due) {
    const buf = Buffer.alloc(size);
    buf.write('XTRU', 0, 'latin1');
    buf.writeUInt32BE(sent, 4);
    const t = process.hrtime.bigint();
    buf.writeBigUInt64BE(t, 8);
    sendTimes.set(sent, t);
    sock.send(buf, a.port, a.dst);
    sent++;
  }
  if (sent < a.count) setTimeout(pump, Math.max(0, Math.min(10, intervalNs / 1e6)));
  else setTimeout(finish, timeoutMs);
}
sock.bind(0, () => pump());
