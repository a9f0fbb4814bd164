/**
 * A helper process that must not outlive the one that started it (an embedded nats-server, a
 * test's controller): started under `setpriv --pdeathsig SIGKILL` (util-linux), so the kernel
 * kills it when its parent dies, also of SIGKILL, where no exit handler runs. Without setpriv it
 * is started plainly and the caller's own cleanup is all there is.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';

const SETPRIV = '/usr/bin/setpriv';

/** Whether spawnTied ties children to this process here (setpriv is installed). */
export const tiesChildren = existsSync(SETPRIV);

/** spawn(bin, args, opts), the child killed by the kernel when this process dies. Its pid is bin's (setpriv execs it). */
export function spawnTied(bin: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
  return tiesChildren ? spawn(SETPRIV, ['--pdeathsig', 'SIGKILL', '--', bin, ...args], opts) : spawn(bin, [...args], opts);
}

/** Whether a child has exited (by a code or a signal); node sets neither while it runs. */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** How a child ended, for messages: `exited (1)`, `exited (SIGKILL)`; undefined while it runs. */
export function exitDescription(child: ChildProcess): string | undefined {
  return hasExited(child) ? `exited (${child.exitCode ?? child.signalCode})` : undefined;
}
