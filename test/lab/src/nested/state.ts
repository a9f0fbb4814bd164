/**
 * A nested lab's state file, `/run/xtrace-lab/nested/<id>.json`: written before anything is
 * started and again after every QEMU started, so that a crashed run's leftovers can always be
 * found (NestedLab.teardownAll()).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { NestedLabError } from './errors.js';
import { NESTED_STATE_DIR, nestedLabDir, nestedStateFile } from './paths.js';

export interface NestedHostRecord {
  index: number;
  /** hostname, QEMU -name, agent host id */
  name: string;
  jobDir: string;
  controlSocket: string;
  /** this hypervisor's end of the underlay link (UDP on 127.0.0.1) */
  underlayPort: number;
  /** the outer QEMU, once started */
  qemuPid?: number;
}

export interface NestedLabState {
  id: string;
  createdAt: string;
  /** 'building' until up() finished */
  phase: 'building' | 'up';
  /** the process that owns the lab (its QEMUs die with it: PR_SET_PDEATHSIG) */
  ownerPid: number;
  kernel: string;
  kver: string;
  natsPort: number;
  vmsPerHost: number;
  hosts: NestedHostRecord[];
}

export function writeNestedState(s: NestedLabState): void {
  mkdirSync(NESTED_STATE_DIR, { recursive: true });
  const file = nestedStateFile(s.id);
  const tmp = `${file}.tmp.${process.pid}`;
  writeFileSync(tmp, JSON.stringify(s, null, 2) + '\n');
  renameSync(tmp, file);
}

export function readNestedState(id: string): NestedLabState | undefined {
  try {
    return JSON.parse(readFileSync(nestedStateFile(id), 'utf8')) as NestedLabState;
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new NestedLabError(`cannot read nested lab state ${nestedStateFile(id)}`, { cause: e });
  }
}

export function listNestedStateIds(): string[] {
  try {
    return readdirSync(NESTED_STATE_DIR)
      .filter((f) => /^[a-z0-9]{4}\.json$/.test(f))
      .map((f) => f.slice(0, 4));
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new NestedLabError(`cannot list ${NESTED_STATE_DIR}`, { cause: e });
  }
}

export function removeNestedState(id: string): void {
  rmSync(nestedStateFile(id), { force: true });
  rmSync(nestedLabDir(id), { recursive: true, force: true });
}
