/**
 * Test helper for the fleet integration tests: starts a real nats-server with JetStream on a
 * free loopback port, in a private store directory, and stops it (and removes the directory);
 * kills and restarts it on the same port (fault tests); or a 3-node cluster of them.
 */
import type { ChildProcess } from 'node:child_process';
import { freePort, hasExited, spawnTied } from '@xtrace/proto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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

export { freePort };

/** One nats-server process (a node of a cluster, or the only server). */
interface NatsProcess {
  proc: ChildProcess;
  exited: Promise<void>;
  stderr(): string;
}

function spawnNats(args: string[]): NatsProcess {
  const proc: ChildProcess = spawnTied(NATS_SERVER, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return { proc, exited, stderr: () => stderr };
}

/** Waits until the server at `url` accepts connections and JetStream answers (a cluster: once it has a meta leader). */
async function waitReady(p: NatsProcess, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const nc = await connect({ servers: url, reconnect: false, timeout: 500 });
      try {
        await (await nc.jetstreamManager({ timeout: 1000 })).getAccountInfo();
      } finally {
        await nc.close();
      }
      return;
    } catch (e: unknown) {
      if (p.proc.exitCode !== null || Date.now() > deadline) {
        p.proc.kill('SIGKILL');
        throw new Error(`nats-server did not start on ${url} within ${timeoutMs} ms: ${p.stderr()}`, { cause: e });
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function stopNats(p: NatsProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (hasExited(p.proc)) return;
  p.proc.kill(signal);
  const t = setTimeout(() => p.proc.kill('SIGKILL'), 3000);
  await p.exited;
  clearTimeout(t);
}

export interface RestartableNatsServer extends NatsServerHandle {
  /** SIGKILL the server (no lame-duck mode: clients see the connection drop) */
  kill(): Promise<void>;
  /** start it again on the same port and store directory; resolves once JetStream answers */
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: a stalled server whose TCP connections stay up (the kernel's socket buffers fill) */
  pause(): void;
  resume(): void;
  readonly running: boolean;
}

export interface NatsServerOptions {
  /** the server's max_payload (its default is 1 MiB), e.g. to let oversized messages reach a subscriber */
  maxPayloadBytes?: number;
  /** JetStream's max_file_store (its default is most of the store dir's free disk), e.g. a small host's server */
  maxFileStoreBytes?: number;
}

/**
 * freePort() hands out a port another test may bind before nats-server does (test files run in
 * parallel; a cluster takes 6): a server that lost its port is started again on new ones, up to
 * 3 times. (A restart keeps its port: clients reconnect to it.)
 */
async function withFreshPortsWhenTaken<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (e: unknown) {
      if (attempt >= 3 || !(e instanceof Error && /address already in use/.test(e.message))) throw e;
    }
  }
}

export function startNatsServer(opts: NatsServerOptions = {}): Promise<RestartableNatsServer> {
  return withFreshPortsWhenTaken(() => startNatsServerOnce(opts));
}

async function startNatsServerOnce(opts: NatsServerOptions): Promise<RestartableNatsServer> {
  const storeDir = await mkdtemp(join(tmpdir(), 'xtrace-fleet-nats-'));
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir];
  const conf = [
    ...(opts.maxPayloadBytes !== undefined ? [`max_payload: ${opts.maxPayloadBytes}`] : []),
    ...(opts.maxFileStoreBytes !== undefined ? [`jetstream { max_file_store: ${opts.maxFileStoreBytes} }`] : []),
  ];
  if (conf.length > 0) {
    const confFile = join(storeDir, 'nats.conf');
    await writeFile(confFile, `${conf.join('\n')}\n`);
    args.push('-c', confFile);
  }
  let current: NatsProcess | undefined;
  const start = async (): Promise<void> => {
    current = spawnNats(args);
    await waitReady(current, url, 10_000);
  };
  try {
    await start();
  } catch (e: unknown) {
    await rm(storeDir, { recursive: true, force: true });
    throw e;
  }
  return {
    url,
    port,
    storeDir,
    connect: (name?: string) => connect({ servers: url, name: name ?? 'xtrace-fleet-test', reconnect: false }),
    get running() {
      return current !== undefined && !hasExited(current.proc);
    },
    kill: async () => {
      if (current !== undefined) await stopNats(current, 'SIGKILL');
    },
    start,
    pause: () => void current?.proc.kill('SIGSTOP'),
    resume: () => void current?.proc.kill('SIGCONT'),
    async stop() {
      if (current !== undefined && !hasExited(current.proc)) current.proc.kill('SIGCONT'); // a paused server would not see the SIGTERM
      if (current !== undefined) await stopNats(current);
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}

/** A cluster of nats-servers with JetStream on loopback, each with its own client and route port and store directory. */
export interface NatsCluster {
  /** every node's client URL */
  urls: string[];
  /** all of them, comma separated (the form --nats takes) */
  url: string;
  /** SIGKILL node `i` */
  kill(i: number): Promise<void>;
  /** start node `i` again (same ports and store) */
  restart(i: number): Promise<void>;
  /** indexes of the nodes running */
  running(): number[];
  /** a client of every node (reconnecting to another one when its node dies) */
  connect(name?: string): Promise<NatsConnection>;
  stop(): Promise<void>;
}

/**
 * `size` nodes, each routed to all others; only the first `running` of them started (default:
 * all), the rest as a cluster forming node by node has them: known to the routes, not joined
 * yet (`restart(i)` starts one).
 */
export function startNatsCluster(size = 3, running = size): Promise<NatsCluster> {
  return withFreshPortsWhenTaken(() => startNatsClusterOnce(size, running));
}

async function startNatsClusterOnce(size: number, running: number): Promise<NatsCluster> {
  const root = await mkdtemp(join(tmpdir(), 'xtrace-nats-cluster-'));
  const clientPorts: number[] = [];
  const routePorts: number[] = [];
  for (let i = 0; i < size; i++) {
    clientPorts.push(await freePort());
    routePorts.push(await freePort());
  }
  const urls = clientPorts.map((p) => `nats://127.0.0.1:${p}`);
  const routes = routePorts.map((p) => `nats://127.0.0.1:${p}`);
  const nodes: (NatsProcess | undefined)[] = new Array<NatsProcess | undefined>(size).fill(undefined);
  const argsOf = (i: number): string[] => [
    '-js',
    '-a', '127.0.0.1',
    '-p', String(clientPorts[i]),
    '-sd', join(root, `n${i}`),
    '--server_name', `xt-n${i}`,
    '--cluster_name', 'xtrace-test',
    '--cluster', routes[i]!,
    '--routes', routes.filter((_, j) => j !== i).join(','),
  ];
  const stopAll = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => (n !== undefined ? stopNats(n) : undefined)));
  };
  try {
    for (let i = 0; i < running; i++) nodes[i] = spawnNats(argsOf(i));
    // JetStream answers on a node once the cluster elected a meta leader
    await Promise.all(nodes.slice(0, running).map((n, i) => waitReady(n!, urls[i]!, 30_000)));
  } catch (e: unknown) {
    await stopAll();
    await rm(root, { recursive: true, force: true });
    throw e;
  }
  const isRunning = (n: NatsProcess | undefined): boolean => n !== undefined && !hasExited(n.proc);
  return {
    urls,
    url: urls.join(','),
    kill: async (i) => {
      const n = nodes[i];
      if (n !== undefined) await stopNats(n, 'SIGKILL');
    },
    restart: async (i) => {
      if (isRunning(nodes[i])) return;
      nodes[i] = spawnNats(argsOf(i));
      await waitReady(nodes[i]!, urls[i]!, 30_000);
    },
    running: () => nodes.flatMap((n, i) => (isRunning(n) ? [i] : [])),
    connect: (name?: string) => connect({ servers: urls, name: name ?? 'xtrace-cluster-test', maxReconnectAttempts: -1, reconnectTimeWait: 250 }),
    async stop() {
      await stopAll();
      await rm(root, { recursive: true, force: true });
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
