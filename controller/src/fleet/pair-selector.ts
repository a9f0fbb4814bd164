/**
 * Which VM pairs a schedule or an alert rule covers, and how to resolve that against the
 * agents' inventory.
 *
 * - explicit pairs `[{src,dst}]`
 * - `'all-cross-host'`: every pair of VMs on different hypervisors (each unordered pair once;
 *   the probe measures both directions through the reply traffic)
 * - `{sample: K}`: K of the cross-host pairs, chosen deterministically from a seed (the run's
 *   slot), so successive runs rotate over the fleet
 * - `{labels: {...}}`: cross-host pairs of VMs whose labels (host labels, overridden by VM
 *   labels) contain all the given key=value
 */
import { UsageError } from '@xtrace/proto';
import { parsePair, type Pair } from './probe-report.js';

export type PairSelector = { pairs: Pair[] } | 'all-cross-host' | { sample: number } | { labels: Record<string, string> };

export interface InventoryVm {
  address: string;
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

/** Validate an untrusted value (from KV or JSON) as a selector; errors name the field path. */
export function validatePairSelector(value: unknown, field: string): PairSelector {
  if (value === 'all-cross-host') return value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(field, `expected {pairs:[...]}, "all-cross-host", {sample:K} or {labels:{...}}, got ${JSON.stringify(value)}`);
  }
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length !== 1) throw new UsageError(field, `expected exactly one of pairs, sample, labels; got ${keys.join(', ') || 'none'}`);
  if ('pairs' in o) {
    if (!Array.isArray(o['pairs']) || o['pairs'].length === 0) throw new UsageError(`${field}.pairs`, 'expected a non-empty list of {src,dst}');
    const pairs = o['pairs'].map((p: unknown, i: number): Pair => {
      const f = `${field}.pairs[${i}]`;
      if (typeof p !== 'object' || p === null) throw new UsageError(f, 'expected {src,dst}');
      const { src, dst } = p as Record<string, unknown>;
      if (typeof src !== 'string' || src === '') throw new UsageError(`${f}.src`, 'expected a non-empty address');
      if (typeof dst !== 'string' || dst === '') throw new UsageError(`${f}.dst`, 'expected a non-empty address');
      if (src === dst) throw new UsageError(f, `source and destination are the same (${src})`);
      return { src, dst };
    });
    return { pairs };
  }
  if ('sample' in o) {
    const k = o['sample'];
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) throw new UsageError(`${field}.sample`, `expected a positive integer, got ${JSON.stringify(k)}`);
    return { sample: k };
  }
  if ('labels' in o) {
    const l = o['labels'];
    if (typeof l !== 'object' || l === null || Array.isArray(l) || Object.keys(l).length === 0) {
      throw new UsageError(`${field}.labels`, 'expected a non-empty {key: value} map');
    }
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(l as Record<string, unknown>)) {
      if (!LABEL_KEY.test(k)) throw new UsageError(`${field}.labels`, `invalid label key "${k}"`);
      if (typeof v !== 'string') throw new UsageError(`${field}.labels.${k}`, `expected a string, got ${JSON.stringify(v)}`);
      labels[k] = v;
    }
    return { labels };
  }
  throw new UsageError(field, `unknown selector key "${keys[0]}" (expected pairs, sample or labels)`);
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
  hostId: string;
  labels: Record<string, string>;
}

function placedVms(agents: InventoryAgent[]): PlacedVm[] {
  const out: PlacedVm[] = [];
  for (const a of agents) {
    for (const vm of a.vms) out.push({ address: vm.address, hostId: a.hostId, labels: { ...(a.labels ?? {}), ...(vm.labels ?? {}) } });
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

/** mulberry32: small deterministic PRNG for sampling. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Resolve a selector to concrete pairs; `seed` drives `{sample}`. */
export function resolvePairSelector(sel: PairSelector, agents: InventoryAgent[], seed = 0): ResolvedPair[] {
  const vms = placedVms(agents);
  if (sel === 'all-cross-host') return crossHostPairs(vms);
  if ('pairs' in sel) {
    const host = new Map(vms.map((v) => [v.address, v.hostId]));
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
  const all = crossHostPairs(vms);
  if (sel.sample >= all.length) return all;
  // Partial Fisher-Yates with a seeded PRNG: same seed, same sample on every controller.
  const rnd = prng(seed % 4294967296);
  const pool = all.slice();
  for (let i = 0; i < sel.sample; i++) {
    const j = i + Math.floor(rnd() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j] as ResolvedPair, pool[i] as ResolvedPair];
  }
  return pool.slice(0, sel.sample);
}

/**
 * Whether a pair is covered by a selector (for alert rules). Explicit pairs match either
 * direction; label selectors need the inventory, so they match only when `agents` is given.
 */
export function selectorMatchesPair(sel: PairSelector, pair: Pair, agents?: InventoryAgent[]): boolean {
  if (sel === 'all-cross-host' || 'sample' in sel) return true;
  if ('pairs' in sel) return sel.pairs.some((p) => (p.src === pair.src && p.dst === pair.dst) || (p.src === pair.dst && p.dst === pair.src));
  if (agents === undefined) return false;
  const vms = new Map(placedVms(agents).map((v) => [v.address, v]));
  const want = Object.entries(sel.labels);
  const ok = (addr: string) => {
    const v = vms.get(addr);
    return v !== undefined && want.every(([k, val]) => v.labels[k] === val);
  };
  return ok(pair.src) && ok(pair.dst);
}
