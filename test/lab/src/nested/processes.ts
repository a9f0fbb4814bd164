/**
 * The machine-side processes of nested labs: each hypervisor's QEMU (`-name xn<id>-hv<i>,…`) and
 * the socat its guestfwd starts per NATS connection (`-lpxn<id>-hv<i>`). Found by those tags in
 * /proc, so a crashed run's leftovers are found without its state file, and a pid recorded in a
 * state file is killed only while it still carries its tag (pids are reused).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { pidRunning, sleep } from '../shell.js';
import { NESTED_QEMU_NAME_RE } from './addresses.js';

interface NestedProcess {
  pid: number;
  labId: string;
  host: number;
  kind: 'qemu' | 'socat';
}

const SOCAT_TAG_RE = /^-lpxn([a-z0-9]{4})-hv(\d+)$/;

function cmdline(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return undefined; // gone
  }
}

/** What a process is, if it is a nested lab's. */
export function nestedProcessOf(pid: number): NestedProcess | undefined {
  const argv = cmdline(pid);
  if (!argv) return undefined;
  const nameAt = argv.indexOf('-name');
  const qemu = nameAt >= 0 && /qemu-system/.test(argv[0] ?? '') ? NESTED_QEMU_NAME_RE.exec(argv[nameAt + 1] ?? '') : null;
  if (qemu) return { pid, labId: qemu[1]!, host: Number(qemu[2]), kind: 'qemu' };
  if (!/(^|\/)socat$/.test(argv[0] ?? '')) return undefined;
  for (const a of argv) {
    const m = SOCAT_TAG_RE.exec(a);
    if (m) return { pid, labId: m[1]!, host: Number(m[2]), kind: 'socat' };
  }
  return undefined;
}

/** Every nested lab process on this machine (of lab `labId` only, when given). */
export function findNestedProcesses(labId?: string): NestedProcess[] {
  const found: NestedProcess[] = [];
  for (const ent of readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    const p = nestedProcessOf(Number(ent));
    if (p && (labId === undefined || p.labId === labId)) found.push(p);
  }
  return found;
}

/** SIGTERM, then SIGKILL to whatever still runs after graceMs; resolves when all are gone (or after 5 s more). */
export async function terminate(pids: readonly number[], graceMs = 3000): Promise<void> {
  const signal = (pid: number, sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  for (const pid of pids) signal(pid, 'SIGTERM');
  const waitGone = async (ms: number): Promise<boolean> => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!pids.some(pidRunning)) return true;
      await sleep(50);
    }
    return !pids.some(pidRunning);
  };
  if (await waitGone(graceMs)) return;
  for (const pid of pids) if (pidRunning(pid)) signal(pid, 'SIGKILL');
  await waitGone(5000);
}

// Last line of defence for an owner that exits without down(): its QEMUs are killed on the way
// out (process 'exit' runs synchronous code only). A killed owner is covered by PR_SET_PDEATHSIG
// (setpriv --pdeathsig), and a machine that rebooted has nothing left to kill.
const guarded = new Set<number>();
let hooked = false;

export function killOnExit(pid: number): void {
  guarded.add(pid);
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const p of guarded) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export function releaseOnExit(pid: number): void {
  guarded.delete(pid);
}
