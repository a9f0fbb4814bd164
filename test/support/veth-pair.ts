/**
 * Two network namespaces joined by a veth pair (a: 10.x.y.1, b: 10.x.y.2): the smallest real
 * path a host-side tracer can watch (`xtrace trace --nic <a's end>` sees nic_tx/nic_rx there).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface VethPair {
  nsA: string;
  nsB: string;
  devA: string;
  devB: string;
  ipA: string;
  ipB: string;
  /** spawns argv inside namespace A */
  spawnInA(argv: string[], env?: NodeJS.ProcessEnv): ChildProcess;
  /** ping from A to B; resolves with the replies received */
  pingFromA(count: number): Promise<number>;
  down(): Promise<void>;
}

/** `tag`: a few characters unique to the test file (names stay under 15 characters). */
export async function upVethPair(tag: string, subnet: number): Promise<VethPair> {
  const id = `${tag}${process.pid % 10000}`;
  const nsA = `${id}a`;
  const nsB = `${id}b`;
  const devA = `${id}A`;
  const devB = `${id}B`;
  const ipA = `10.${subnet}.${process.pid % 250}.1`;
  const ipB = `10.${subnet}.${process.pid % 250}.2`;
  const pair: VethPair = {
    nsA,
    nsB,
    devA,
    devB,
    ipA,
    ipB,
    spawnInA: (argv, env) => spawn('ip', ['netns', 'exec', nsA, ...argv], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }),
    pingFromA: async (count) => {
      const r = await run('ip', ['netns', 'exec', nsA, 'ping', '-c', String(count), '-i', '0.2', '-W', '2', ipB]).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
      return Number(/(\d+) received/.exec(r.stdout)?.[1] ?? 0);
    },
    down: async () => {
      for (const ns of [nsA, nsB]) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    },
  };
  try {
    await pair.down(); // a crashed earlier run with the same pid
    await run('ip', ['netns', 'add', nsA]);
    await run('ip', ['netns', 'add', nsB]);
    await run('ip', ['link', 'add', devA, 'netns', nsA, 'type', 'veth', 'peer', 'name', devB, 'netns', nsB]);
    await run('ip', ['-n', nsA, 'addr', 'add', `${ipA}/24`, 'dev', devA]);
    await run('ip', ['-n', nsB, 'addr', 'add', `${ipB}/24`, 'dev', devB]);
    for (const [ns, dev] of [[nsA, devA], [nsB, devB], [nsA, 'lo'], [nsB, 'lo']] as const) await run('ip', ['-n', ns, 'link', 'set', dev, 'up']);
  } catch (e: unknown) {
    await pair.down();
    throw e;
  }
  return pair;
}
