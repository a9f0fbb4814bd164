/** Removing nested labs: one by id, or every leftover on the machine. */
import { pidRunning } from '../shell.js';
import { findNestedProcesses, nestedProcessOf, terminate } from './processes.js';
import { listNestedStateIds, readNestedState, removeNestedState } from './state.js';

export interface NestedTeardownReport {
  id: string;
  /** QEMUs and socats killed */
  killedProcesses: number;
}

/** Kills every process of lab `id` (recorded or found by tag) and removes its state. Idempotent. */
export async function teardownNestedLab(id: string): Promise<NestedTeardownReport> {
  const st = readNestedState(id);
  const pids = new Set<number>();
  // a recorded pid counts only while it still carries the lab's tag: pids are reused
  for (const h of st?.hosts ?? []) if (h.qemuPid !== undefined && nestedProcessOf(h.qemuPid)?.labId === id) pids.add(h.qemuPid);
  for (const p of findNestedProcesses(id)) pids.add(p.pid);
  await terminate([...pids]);
  removeNestedState(id);
  return { id, killedProcesses: pids.size };
}

/**
 * Tears down the leftovers of crashed runs: labs whose owner process is gone, labs of this
 * process, and lab processes with no state at all. `all` also takes labs another live process owns.
 */
export async function teardownNestedLabs(opts: { all?: boolean } = {}): Promise<NestedTeardownReport[]> {
  const ids = new Set([...listNestedStateIds(), ...findNestedProcesses().map((p) => p.labId)]);
  const reports: NestedTeardownReport[] = [];
  for (const id of [...ids].sort()) {
    const owner = readNestedState(id)?.ownerPid;
    const ownedElsewhere = owner !== undefined && owner !== process.pid && pidRunning(owner);
    if (ownedElsewhere && !opts.all) continue;
    reports.push(await teardownNestedLab(id));
  }
  return reports;
}
