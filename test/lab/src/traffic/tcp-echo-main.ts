// TCP echo server (runs inside a VM namespace). Arg: JSON {port, durationMs?}.
// Prints {"event":"listening"}; on SIGTERM/SIGINT {"event":"stats","connections":N,"bytes":N}.
import { createServer } from 'node:net';

const args = JSON.parse(process.argv[2] ?? '{}') as { port: number; host?: string; durationMs?: number };
let connections = 0;
let bytes = 0;
const server = createServer((s) => {
  connections++;
  s.setNoDelay(true);
  s.on('data', (d) => {
    bytes += d.length;
    s.write(d);
  });
  s.on('error', () => s.destroy());
});
const stop = (): void => {
  process.stdout.write(JSON.stringify({ event: 'stats', connections, bytes }) + '\n', () => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
server.listen(args.port, args.host ?? '0.0.0.0', () => {
  process.stdout.write(JSON.stringify({ event: 'listening', port: args.port }) + '\n');
  if (args.durationMs) setTimeout(stop, args.durationMs);
});
