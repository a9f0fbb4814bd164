/**
 * Finding and removing labs on this machine, whatever state they are in: a lab is known by its
 * state file, by namespaces and root links named after it (names.ts) and by relay processes
 * tagged with its prefix, so a partial up or a lost state file still comes down whole.
 */
import { UsageError } from '@xtrace/proto';
import { LabError } from './errors.js';
import { killNsProcesses } from './lab-processes.js';
import { LAB_ID_RE, LAB_NAME_RE, labPrefix } from './names.js';
import { findRelayPids, isRelayProcess, stopRelay } from './relay-process.js';
import { listNetns, listRootLinks, run } from './shell.js';
import { listStateIds, readState, removeState } from './state.js';

export interface TeardownReport {
  id: string;
  killedRelays: number;
  killedProcesses: number;
  namespaces: string[];
  links: string[];
}

export function checkLabId(id: string): void {
  if (!LAB_ID_RE.test(id)) throw new UsageError('id', `expected 4 chars [a-z0-9], got "${id}"`);
}

/** Ids of every lab known on this machine (state files, plus leftovers found by name). */
export async function listLabIds(): Promise<string[]> {
  const ids = new Set(listStateIds());
  for (const n of [...(await listNetns()), ...(await listRootLinks())]) {
    const m = LAB_NAME_RE.exec(n);
    if (m?.[1]) ids.add(m[1]);
  }
  for (const r of findRelayPids('xl')) {
    const m = /^xl([a-z0-9]{4})\//.exec(r.tag);
    if (m?.[1]) ids.add(m[1]);
  }
  return [...ids].sort();
}

/** Removes every relay, namespace (and the processes in it), link and state of lab `id`, even after a partial up. */
export async function teardownLab(id: string): Promise<TeardownReport> {
  checkLabId(id);
  const rep: TeardownReport = { id, killedRelays: 0, killedProcesses: 0, namespaces: [], links: [] };
  const st = readState(id);
  const tagPrefix = `${labPrefix(id)}/`;
  const relays = new Map<number, string>();
  for (const r of Object.values(st?.relays ?? {})) relays.set(r.pid, r.tag);
  for (const r of findRelayPids(tagPrefix)) relays.set(r.pid, r.tag);
  for (const [pid, tag] of relays) {
    if (isRelayProcess(pid, tag)) {
      await stopRelay(pid, tag);
      rep.killedRelays++;
    }
  }
  const mine = (name: string): boolean => LAB_NAME_RE.exec(name)?.[1] === id;
  for (const ns of (await listNetns()).filter(mine)) {
    rep.killedProcesses += await killNsProcesses(ns);
    const r = await run(['ip', 'netns', 'del', ns], { allowFail: true });
    if (r.code !== 0 && (await listNetns()).includes(ns)) throw new LabError(`ip netns del ${ns}: ${r.stderr.trim()}`);
    rep.namespaces.push(ns);
  }
  for (const link of (await listRootLinks()).filter(mine)) {
    await run(['ip', 'link', 'del', link], { allowFail: true });
    rep.links.push(link);
  }
  removeState(id);
  return rep;
}
