/**
 * Test helper for the fleet integration tests: starts a real nats-server with JetStream on a
 * free loopback port, in a private store directory, and stops it (and removes the directory).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll } from 'vitest';

export interface NatsServerHandle {
  url: string;
  port: number;
  storeDir: string;
  /** open a new client connection (a new "controller") */
  connect(name?: string): Promise<NatsConnection>;
  stop(): Promise<void>;
}

const NATS_SERVER = process.env['XTRACE_NATS_SERVER_BIN'] ?? '/usr/sbin/nats-server';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('no port'));
        return;
      }
      const port = addr.port;
      srv.close(() => resolve(port));
    });
  });
}

export interface NatsServerOptions {
  /** the server's max_payload (its default is 1 MiB), e.g. to let oversized messages reach a subscriber */
  maxPayloadBytes?: number;
}

export async function startNatsServer(opts: NatsServerOptions = {}): Promise<NatsServerHandle> {
  const storeDir = await mkdtemp(join(tmpdir(), 'xtrace-fleet-nats-'));
  const port = await freePort();
  const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir];
  if (opts.maxPayloadBytes !== undefined) {
    const conf = join(storeDir, 'nats.conf');
    await writeFile(conf, `max_payload: ${opts.maxPayloadBytes}\n`);
    args.push('-c', conf);
  }
  const proc: ChildProcess = spawn(NATS_SERVER, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
  });
  const url = `nats://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));

  // Wait until the server accepts connections and JetStream answers.
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const nc = await connect({ servers: url, reconnect: false, timeout: 500 });
      try {
        await nc.jetstreamManager();
      } finally {
        await nc.close();
      }
      break;
    } catch (e: unknown) {
      if (proc.exitCode !== null || Date.now() > deadline) {
        proc.kill('SIGKILL');
        await rm(storeDir, { recursive: true, force: true });
        throw new Error(`nats-server did not start on ${url}: ${stderr}`, { cause: e });
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  return {
    url,
    port,
    storeDir,
    connect: (name?: string) => connect({ servers: url, name: name ?? 'xtrace-fleet-test', reconnect: false }),
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}

/**
 * For a test file: one nats-server started before its tests and stopped after them;
 * `conn(name)` opens a connection (a "controller") that is closed with it.
 */
export function natsServerForTests(opts: NatsServerOptions = {}): { conn: (name: string) => Promise<NatsConnection>; server: () => NatsServerHandle } {
  let nats: NatsServerHandle | undefined;
  const conns: NatsConnection[] = [];
  beforeAll(async () => {
    nats = await startNatsServer(opts);
  });
  afterAll(async () => {
    for (const nc of conns) if (!nc.isClosed()) await nc.close();
    await nats?.stop();
  });
  const server = (): NatsServerHandle => {
    if (nats === undefined) throw new Error('the nats-server starts in beforeAll');
    return nats;
  };
  return {
    server,
    conn: async (name) => {
      const nc = await server().connect(name);
      conns.push(nc);
      return nc;
    },
  };
}
