// UDP echo server (runs inside a VM namespace): echoes every datagram back to its sender.
// Arg: JSON {port, durationMs?}. Prints {"event":"listening"} then, on SIGTERM/SIGINT or
// after durationMs, {"event":"stats","received":N,"sent":N}.
import { createSocket } from 'node:dgram';

const args = JSON.parse(process.argv[2] ?? '{}') as { port: number; host?: string; durationMs?: number };
let received = 0;
let sent = 0;
const sock = createSocket('udp4');
sock.on('message', (msg, rinfo) => {
  received++;
  sock.send(msg, rinfo.port, rinfo.address, (e) => {
    if (!e) sent++;
  });
});
const stop = (): void => {
  process.stdout.write(JSON.stringify({ event: 'stats', received, sent }) + '\n', () => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
sock.bind(args.port, args.host ?? '0.0.0.0', () => {
  process.stdout.write(JSON.stringify({ event: 'listening', port: args.port }) + '\n');
  if (args.durationMs) setTimeout(stop, args.durationMs);
});
