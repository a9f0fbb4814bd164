import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from './errors.js';
import type { RelayRecord } from './relay-process.js';
import type { ResolvedLabSpec } from './spec.js';

/** Where labs keep their state: `<dir>/<id>.json`, `<dir>/<id>/` (relay logs, stats), `<dir>/slot-<n>`. */
export const LAB_STATE_DIR = process.env['XTRACE_LAB_DIR'] ?? '/run/xtrace-lab';

export interface DropRuleRecord {
  host: number;
  family: 'netdev' | 'bridge' | 'inet';
  table: string;
  /** netdev only */
  device?: string;
  match: string;
}

export interface LabState {
  id: string;
  slot: number;
  createdAt: string;
  /** 'building' until up() finished; a partial lab stays 'building' */
  phase: 'building' | 'up';
  spec: ResolvedLabSpec;
  relays: Record<string, RelayRecord>;
  dropRules: DropRuleRecord[];
  nextRule: number;
  /** how offloads were handled: 'ethtool' or why not */
  offloads: string;
}

export const stateFile = (id: string): string => join(LAB_STATE_DIR, `${id}.json`);
export const labDir = (id: string): string => join(LAB_STATE_DIR, id);
const slotFile = (slot: number): string => join(LAB_STATE_DIR, `slot-${slot}`);

export function writeState(s: LabState): void {
  mkdirSync(LAB_STATE_DIR, { recursive: true });
  const tmp = `${stateFile(s.id)}.tmp.${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify(s, null, 2) + '\n');
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, stateFile(s.id));
}

export function readState(id: string): LabState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(id), 'utf8')) as LabState;
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LabError(`cannot read lab state ${stateFile(id)}`, { cause: e });
  }
}

export function listStateIds(): string[] {
  let ents: string[];
  try {
    ents = readdirSync(LAB_STATE_DIR);
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new LabError(`cannot list ${LAB_STATE_DIR}`, { cause: e });
  }
  return ents.filter((f) => /^[a-z0-9]{4}\.json$/.test(f)).map((f) => f.slice(0, 4));
}

/** Claims the lowest free slot (1..250) for lab `id` (O_EXCL file, so concurrent ups never share one). */
export function claimSlot(id: string): number {
  mkdirSync(LAB_STATE_DIR, { recursive: true });
  for (let slot = 1; slot <= 250; slot++) {
    try {
      const fd = openSync(slotFile(slot), 'wx');
      writeSync(fd, id);
      closeSync(fd);
      return slot;
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new LabError('cannot claim a lab slot', { cause: e });
      // a slot whose owner has no state file left is stale: reclaim it
      let owner = '';
      try {
        owner = readFileSync(slotFile(slot), 'utf8').trim();
      } catch {
        continue; // raced with its release: try the next slot
      }
      if (owner !== id && readState(owner) === undefined && !slotIsFresh(slot)) {
        rmSync(slotFile(slot), { force: true });
        slot--; // retry this slot
      }
    }
  }
  throw new LabError('no free lab slot (250 labs alive?) — run `xtrace lab down --all`');
}

/** A slot file younger than 60 s may belong to a lab whose state file is just being written. */
function slotIsFresh(slot: number): boolean {
  try {
    return Date.now() - statSync(slotFile(slot)).mtimeMs < 60_000;
  } catch {
    return false; // gone: not fresh
  }
}

function releaseSlot(id: string, slot: number): void {
  try {
    if (readFileSync(slotFile(slot), 'utf8').trim() === id) rmSync(slotFile(slot), { force: true });
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new LabError(`cannot release slot ${slot}`, { cause: e });
  }
}

/** Removes every slot file owned by `id`. */
function releaseSlotsOf(id: string): void {
  let ents: string[] = [];
  try {
    ents = readdirSync(LAB_STATE_DIR);
  } catch {
    return; // no state dir: nothing claimed
  }
  for (const f of ents) {
    const m = /^slot-(\d+)$/.exec(f);
    if (m) releaseSlot(id, Number(m[1]));
  }
}

export function removeState(id: string): void {
  rmSync(stateFile(id), { force: true });
  rmSync(labDir(id), { recursive: true, force: true });
  releaseSlotsOf(id);
}
