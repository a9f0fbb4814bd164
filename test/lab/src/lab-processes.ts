/**
 * Processes inside a lab's namespaces: started there (`ip netns exec`, so the child's pid is
 * the program's) and killed there when the lab goes down.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { LabError } from './errors.js';
import { inNs, pidAlive, run, sleep, type RunOptions } from './shell.js';

export interface ExecOptions extends Omit<RunOptions, 'cwd'> {
  cwd?: string;
}

/** Starts argv inside namespace `ns` (stdout and stderr piped unless `opts` says otherwise). */
export function spawnInNs(ns: string, argv: readonly string[], opts: SpawnOptions = {}): ChildProcess {
  const [cmd, ...args] = inNs(ns, argv);
  if (cmd === undefined) throw new LabError('spawnIn: empty argv');
  return spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

/** SIGTERM (then SIGKILL) every process inside namespace `ns`; returns how many there were. */
export async function killNsProcesses(ns: string): Promise<number> {
  const list = async (): Promise<number[]> => {
    const r = await run(['ip', 'netns', 'pids', ns], { allowFail: true });
    return r.stdout
      .split(/\s+/)
      .filter((x) => /^\d+$/.test(x))
      .map(Number)
      .filter((p) => p !== process.pid);
  };
  const pids = await list();
  for (const p of pids) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 2000;
  while ((await list()).some(pidAlive)) {
    if (Date.now() > deadline) {
      for (const p of await list()) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      break;
    }
    await sleep(20);
  }
  return pids.length;
}
