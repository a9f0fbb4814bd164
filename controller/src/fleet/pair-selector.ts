/**
 * Which VM pairs a schedule or an alert rule covers, and how to resolve that against the
 * agents' inventory.
 *
 * - explicit pairs `[{src,dst}]`, each end an address or a VM's name (the probe manager resolves
 *   a name when the probe starts: probe-target-resolver.ts)
 * - `'all-cross-host'`: every pair of VMs on different hypervisors (each unordered pair once;
 *   the probe measures both directions through the reply traffic)
 * - `{sample: K}`: K of the cross-host pairs, chosen deterministically from a seed (the run's
 *   slot), so successive runs rotate over the fleet
 * - `{labels: {...}}`: cross-host pairs of VMs whose labels (host labels, overridden by VM
 *   labels) contain all the given key=value
 */
import { UsageError, chosenSchema, crossCheck, expecting, objectSchema, parseOrThrow, recordSchema, safeInteger } from '@xtrace/proto';
import * as v from 'valibot';
import { mulberry32 } from '../mulberry32.js';
import { parsePair, type Pair } from './probe-report.js';

export type PairSelector = { pairs: Pair[] } | 'all-cross-host' | { sample: number } | { labels: Record<string, string> };

export interface InventoryVm {
  address: string;
  /** the VM's name, when its agent knows one (libvirt domain, QEMU -name) */
  name?: string;
  labels?: Record<string, string>;
}

export interface InventoryAgent {
  hostId: string;
  labels?: Record<string, string>;
  vms: InventoryVm[];
}

/** Injected by the controller (registry of agents and their learned VMs). */
export interface AgentInventory {
  listAgents(): Promise<InventoryAgent[]>;
}

export interface ResolvedPair extends Pair {
  srcHost?: string;
  dstHost?: string;
}

const LABEL_KEY = /^[A-Za-z0-9_.\/-]+$/;

const address = v.pipe(v.string('expected a non-empty address'), v.minLength(1, 'expected a non-empty address'));

const pair = v.pipe(
  objectSchema({ src: address, dst: address }, 'expected {src,dst}'),
  crossCheck((p, issues, fail) => {
    if (issues.length === 0 && p.src === p.dst) fail(undefined, `source and destination are the same (${p.src})`);
  }),
);

const positiveInteger = expecting((x) => `expected a positive integer, got ${JSON.stringify(x)}`);

/** the object forms, by their one key */
const SELECTOR_FORMS = {
  pairs: objectSchema({ pairs: v.pipe(v.array(pair, 'expected a non-empty list of {src,dst}'), v.minLength(1, 'expected a non-empty list of {src,dst}')) }),
  sample: objectSchema({ sample: v.pipe(safeInteger(positiveInteger), v.minValue(1, positiveInteger)) }),
  labels: objectSchema({
    labels: v.pipe(
      recordSchema(v.string(expecting((x) => `expected a string, got ${JSON.stringify(x)}`)), 'expected a non-empty {key: value} map'),
      crossCheck((labels, _issues, fail) => {
        const keys = Object.keys(labels);
        if (keys.length === 0) fail(undefined, 'expected a non-empty {key: value} map');
        const bad = keys.find((k) => !LABEL_KEY.test(k));
        if (bad !== undefined) fail(undefined, `invalid label key "${bad}"`);
      }),
    ),
  }),
} as const;

const ALL_CROSS_HOST = v.literal('all-cross-host');

/**
 * An untrusted selector (from KV or JSON): "all-cross-host", or an object with exactly one of
 * the keys of SELECTOR_FORMS, checked by that form's schema; issues carry the field path.
 */
export const pairSelectorSchema: v.GenericSchema<unknown, PairSelector> = chosenSchema<PairSelector>((value) => {
  if (value === 'all-cross-host') return ALL_CROSS_HOST;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { message: `expected {pairs:[...]}, "all-cross-host", {sample:K} or {labels:{...}}, got ${JSON.stringify(value)}` };
  }
  const keys = Object.keys(value);
  if (keys.length !== 1) return { message: `expected exactly one of pairs, sample, labels; got ${keys.join(', ') || 'none'}` };
  const key = keys[0]!;
  if (!Object.hasOwn(SELECTOR_FORMS, key)) return { message: `unknown selector key "${key}" (expected pairs, sample or labels)` };
  return SELECTOR_FORMS[key as keyof typeof SELECTOR_FORMS];
});

/** Validate an untrusted value (from KV or JSON) as a selector; errors name the field path. */
export function validatePairSelector(value: unknown, field: string): PairSelector {
  return parseOrThrow(pairSelectorSchema, value, field);
}

/**
 * Parse the command-line form: `all-cross-host`, `sample:K`, `labels:k=v,k2=v2`,
 * or explicit pairs `A,B;C,D`.
 */
export function parsePairSelector(text: string, field = '--pairs'): PairSelector {
  const s = text.trim();
  if (s === 'all-cross-host' || s === 'all') return 'all-cross-host';
  if (s.startsWith('sample:')) {
    const k = Number(s.slice('sample:'.length));
    return validatePairSelector({ sample: k }, field);
  }
  if (s.startsWith('labels:')) {
    const labels: Record<string, string> = {};
    for (const kv of s.slice('labels:'.length).split(',')) {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new UsageError(field, `label "${kv}" is not key=value`);
      labels[kv.slice(0, eq).trim()] = kv.slice(eq + 1).trim();
    }
    return validatePairSelector({ labels }, field);
  }
  const pairs = s
    .split(';')
    .filter((p) => p.trim() !== '')
    .map((p, i) => parsePair(p, `${field}[${i}]`));
  if (pairs.length === 0) throw new UsageError(field, 'expected all-cross-host, sample:K, labels:k=v[,k=v] or SRC,DST[;SRC,DST]');
  return { pairs };
}

export function formatPairSelector(sel: PairSelector): string {
  if (sel === 'all-cross-host') return 'all-cross-host';
  if ('sample' in sel) return `sample:${sel.sample}`;
  if ('labels' in sel) return `labels:${Object.entries(sel.labels).map(([k, v]) => `${k}=${v}`).join(',')}`;
  return sel.pairs.map((p) => `${p.src},${p.dst}`).join(';');
}

interface PlacedVm {
  address: string;
  name?: string;
  hostId: string;
  labels: Record<string, string>;
}

function placedVms(agents: InventoryAgent[]): PlacedVm[] {
  const out: PlacedVm[] = [];
  for (const a of agents) {
    for (const vm of a.vms) out.push({ address: vm.address, ...(vm.name !== undefined ? { name: vm.name } : {}), hostId: a.hostId, labels: { ...(a.labels ?? {}), ...(vm.labels ?? {}) } });
  }
  out.sort((x, y) => (x.hostId === y.hostId ? x.address.localeCompare(y.address) : x.hostId.localeCompare(y.hostId)));
  return out;
}

function crossHostPairs(vms: PlacedVm[]): ResolvedPair[] {
  const out: ResolvedPair[] = [];
  for (let i = 0; i < vms.length; i++) {
    for (let j = i + 1; j < vms.length; j++) {
      const a = vms[i] as PlacedVm;
      const b = vms[j] as PlacedVm;
      if (a.hostId === b.hostId) continue;
      out.push({ src: a.address, dst: b.address, srcHost: a.hostId, dstHost: b.hostId });
    }
  }
  return out;
}

/** Resolve a selector to concrete pairs; `seed` drives `{sample}`. */
export function resolvePairSelector(sel: PairSelector, agents: InventoryAgent[], seed = 0): ResolvedPair[] {
  const vms = placedVms(agents);
  if (sel === 'all-cross-host') return crossHostPairs(vms);
  if ('pairs' in sel) {
    const host = new Map(vms.map((v) => [v.address, v.hostId]));
    // a name on one host only: that host (an ambiguous name fails when its probe starts)
    const hostsOfName = new Map<string, Set<string>>();
    for (const v of vms) if (v.name !== undefined) hostsOfName.set(v.name, (hostsOfName.get(v.name) ?? new Set()).add(v.hostId));
    for (const [name, hosts] of hostsOfName) if (hosts.size === 1 && !host.has(name)) host.set(name, [...hosts][0]!);
    return sel.pairs.map((p) => {
      const r: ResolvedPair = { src: p.src, dst: p.dst };
      const sh = host.get(p.src);
      const dh = host.get(p.dst);
      if (sh !== undefined) r.srcHost = sh;
      if (dh !== undefined) r.dstHost = dh;
      return r;
    });
  }
  if ('labels' in sel) {
    const want = Object.entries(sel.labels);
    return crossHostPairs(vms.filter((v) => want.every(([k, val]) => v.labels[k] === val)));
  }
  const cross = new CrossHostPairIndex(vms);
  if (sel.sample >= cross.size) return crossHostPairs(vms);
  // Partial Fisher-Yates with a seeded PRNG: same seed, same sample on every controller. Over
  // the pairs' indexes, not the pairs: a fleet's cross-host pairs grow with the square of its
  // VMs (2,000 VMs: 2 million), a sample takes K of them; the pool is the identity except
  // where a draw swapped.
  const rnd = mulberry32(seed % 4294967296);
  const swapped = new Map<number, number>();
  const at = (i: number): number => swapped.get(i) ?? i;
  const out: ResolvedPair[] = [];
  for (let i = 0; i < sel.sample; i++) {
    const j = i + Math.floor(rnd() * (cross.size - i));
    const picked = at(j);
    swapped.set(j, at(i));
    out.push(cross.pair(picked));
  }
  return out;
}

/**
 * The cross-host pairs of `vms` (sorted by host) by index, in crossHostPairs' order, without
 * building them: VM i pairs with every VM after its own host's block.
 */
class CrossHostPairIndex {
  /** first VM after VM i's host block */
  private readonly blockEnd: number[] = [];
  /** pairs of VMs before i (prefix sums of n - blockEnd) */
  private readonly before: number[] = [];
  readonly size: number;

  constructor(private readonly vms: PlacedVm[]) {
    const n = vms.length;
    for (let i = n - 1; i >= 0; i--) this.blockEnd[i] = i + 1 < n && vms[i + 1]!.hostId === vms[i]!.hostId ? this.blockEnd[i + 1]! : i + 1;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      this.before[i] = sum;
      sum += n - this.blockEnd[i]!;
    }
    this.size = sum;
  }

  pair(index: number): ResolvedPair {
    let lo = 0;
    let hi = this.vms.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.before[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    const a = this.vms[lo]!;
    const b = this.vms[this.blockEnd[lo]! + (index - this.before[lo]!)]!;
    return { src: a.address, dst: b.address, srcHost: a.hostId, dstHost: b.hostId };
  }
}

/**
 * Whether a pair is covered by a selector (for alert rules). Explicit pairs match either
 * direction, each end by address or by the VM's name the report carries; label selectors need
 * the inventory, so they match only when `agents` is given.
 */
export function selectorMatchesPair(sel: PairSelector, pair: Pair, agents?: InventoryAgent[]): boolean {
  if (sel === 'all-cross-host' || 'sample' in sel) return true;
  if ('pairs' in sel) {
    const src = (given: string) => given === pair.src || (pair.srcVm !== undefined && given === pair.srcVm);
    const dst = (given: string) => given === pair.dst || (pair.dstVm !== undefined && given === pair.dstVm);
    return sel.pairs.some((p) => (src(p.src) && dst(p.dst)) || (dst(p.src) && src(p.dst)));
  }
  if (agents === undefined) return false;
  const vms = new Map(placedVms(agents).map((v) => [v.address, v]));
  const want = Object.entries(sel.labels);
  const ok = (addr: string) => {
    const v = vms.get(addr);
    return v !== undefined && want.every(([k, val]) => v.labels[k] === val);
  };
  return ok(pair.src) && ok(pair.dst);
}
