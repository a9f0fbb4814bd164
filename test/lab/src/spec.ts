import { UsageError } from '@xtrace/proto';
import { MAX_HOSTS, MAX_VMS_PER_HOST } from './names.js';

/** One direction's impairment, as the relay applies it. */
export interface Impairment {
  /** fixed delay, microseconds */
  delayUs?: number;
  /** uniform jitter ± microseconds (frames are never reordered: FIFO per direction) */
  jitterUs?: number;
  /** loss probability in [0,1]; applies to IP frames only (ARP is never dropped) */
  loss?: number;
}

export interface ResolvedImpairment {
  delayUs: number;
  jitterUs: number;
  loss: number;
}

/**
 * Knobs of one relay. Directions are named after the relay's ends:
 * - VM relay: a = host tap `vnet<j>`, b = VM `eth0`: `ab` = host → VM (the guest's rx),
 *   `ba` = VM → host (the guest's tx).
 * - wire relay: a = host `nic0`, b = wire-bridge port `u<i>`: `ab` = host egress onto the
 *   wire, `ba` = wire → host ingress.
 */
export interface RelayKnobs {
  ab?: Impairment;
  ba?: Impairment;
}

export interface ResolvedRelayKnobs {
  ab: ResolvedImpairment;
  ba: ResolvedImpairment;
}

/**
 * 'relay': every host's NIC is a tap joined to the wire by a relay (knobs per host);
 * 'veth': plain veths, no knobs; 'one-relay': host 0's NIC goes through a relay, the others
 * are veths, so a host-to-host crossing passes exactly one relay (the one whose residence
 * is the truth) and no other user-space hop; 'direct' (two hosts): one relay joins host 0's
 * NIC tap to host 1's, no wire bridge: the relay's write is the destination NIC's receive,
 * so its residence is the whole wire but for one process wake-up.
 */
export type WireMode = 'relay' | 'veth' | 'one-relay' | 'direct';

/**
 * How host i is wired under the lab's mode: its own relay to the wire, a veth, or ('peer') a
 * NIC tap served by host 0's relay in 'direct' mode.
 */
export function hostWireMode(mode: WireMode, host: number): 'relay' | 'veth' | 'peer' {
  if (mode === 'one-relay') return host === 0 ? 'relay' : 'veth';
  if (mode === 'direct') return host === 0 ? 'relay' : 'peer';
  return mode;
}

export interface HostOverrides {
  /** knobs of this host's wire relay (wire mode 'relay'); default: `wire.egress`/`wire.ingress` */
  wire?: RelayKnobs;
  /** knobs of every VM relay on this host; default: spec.vm */
  vm?: RelayKnobs;
  /** recorded only: handed to whoever starts this host's agent */
  clockSkewNs?: number;
}

export interface LabSpec {
  /** 4 chars [a-z0-9]; random when absent */
  id?: string;
  /** number of hypervisors (default 2) */
  hosts?: number;
  /** VMs per hypervisor (default 1) */
  vmsPerHost?: number;
  wire?: {
    /** 'relay' (default): tap pairs joined by xtrace-relay with knobs; 'veth': plain veths, no knobs */
    mode?: WireMode;
    /** applied to every host's egress onto the wire (so host→host one-way = this) */
    egress?: Impairment;
    /** applied to every host's ingress from the wire (default none) */
    ingress?: Impairment;
  };
  /** default knobs of every VM relay */
  vm?: RelayKnobs;
  /** per-host overrides, by host index */
  hostOverrides?: Record<number, HostOverrides>;
  /** seed of the relays' loss/jitter RNG (each relay gets seed + a fixed offset) */
  seed?: number;
  /** busy-wait the last N µs before a delayed frame is due (relay default 50) */
  relaySpinUs?: number;
  /** disable TSO/GSO/GRO on veths with ethtool when present (default true) */
  disableOffloads?: boolean;
  /** every relay writes a per-frame truth log `<lab dir>/<relay>.truth.bin` (default false) */
  truthLog?: boolean;
}

export interface ResolvedLabSpec {
  id: string;
  hosts: number;
  vmsPerHost: number;
  wireMode: WireMode;
  seed: number;
  relaySpinUs: number;
  disableOffloads: boolean;
  truthLog: boolean;
  /** per host: knobs of its wire relay */
  wireKnobs: ResolvedRelayKnobs[];
  /** per host, per VM: knobs of its VM relay */
  vmKnobs: ResolvedRelayKnobs[][];
  clockSkewNs: number[];
}

function checkNum(field: string, v: unknown, min: number, max: number, integer: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new UsageError(field, `expected ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${String(v)}`);
  }
  return v;
}

function resolveImpairment(field: string, imp: Impairment | undefined): ResolvedImpairment {
  return {
    delayUs: checkNum(`${field}.delayUs`, imp?.delayUs ?? 0, 0, 10_000_000, true),
    jitterUs: checkNum(`${field}.jitterUs`, imp?.jitterUs ?? 0, 0, 10_000_000, true),
    loss: checkNum(`${field}.loss`, imp?.loss ?? 0, 0, 1, false),
  };
}

export function resolveKnobs(field: string, k: RelayKnobs | undefined, dflt?: ResolvedRelayKnobs): ResolvedRelayKnobs {
  return {
    ab: k?.ab ? resolveImpairment(`${field}.ab`, k.ab) : (dflt?.ab ?? resolveImpairment(`${field}.ab`, undefined)),
    ba: k?.ba ? resolveImpairment(`${field}.ba`, k.ba) : (dflt?.ba ?? resolveImpairment(`${field}.ba`, undefined)),
  };
}

export function isIdle(k: ResolvedRelayKnobs): boolean {
  const z = (i: ResolvedImpairment): boolean => i.delayUs === 0 && i.jitterUs === 0 && i.loss === 0;
  return z(k.ab) && z(k.ba);
}

export function resolveSpec(spec: LabSpec, id: string): ResolvedLabSpec {
  const hosts = checkNum('hosts', spec.hosts ?? 2, 1, MAX_HOSTS, true);
  const vmsPerHost = checkNum('vmsPerHost', spec.vmsPerHost ?? 1, 0, MAX_VMS_PER_HOST, true);
  const wireMode = spec.wire?.mode ?? 'relay';
  if (wireMode !== 'relay' && wireMode !== 'veth' && wireMode !== 'one-relay' && wireMode !== 'direct') {
    throw new UsageError('wire.mode', `expected relay|veth|one-relay|direct, got ${String(wireMode)}`);
  }
  if (wireMode === 'direct' && hosts !== 2) throw new UsageError('wire.mode', `"direct" joins exactly 2 hosts, got ${hosts}`);
  const wireDefault: ResolvedRelayKnobs = {
    ab: resolveImpairment('wire.egress', spec.wire?.egress),
    ba: resolveImpairment('wire.ingress', spec.wire?.ingress),
  };
  const vmDefault = resolveKnobs('vm', spec.vm);
  const wireKnobs: ResolvedRelayKnobs[] = [];
  const vmKnobs: ResolvedRelayKnobs[][] = [];
  const clockSkewNs: number[] = [];
  for (const key of Object.keys(spec.hostOverrides ?? {})) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= hosts) throw new UsageError('hostOverrides', `no host ${key}`);
  }
  for (let i = 0; i < hosts; i++) {
    const o = spec.hostOverrides?.[i];
    const veth = hostWireMode(wireMode, i) !== 'relay';
    const wk = resolveKnobs(`hostOverrides.${i}.wire`, o?.wire, veth ? resolveKnobs('wire', undefined) : wireDefault);
    if (veth && !isIdle(wk)) {
      throw new UsageError('wire', `delay/jitter/loss on host ${i} need a relay wire (its wire is a veth in mode "${wireMode}")`);
    }
    wireKnobs.push(wk);
    const vk = resolveKnobs(`hostOverrides.${i}.vm`, o?.vm, vmDefault);
    vmKnobs.push(Array.from({ length: vmsPerHost }, () => vk));
    clockSkewNs.push(checkNum(`hostOverrides.${i}.clockSkewNs`, o?.clockSkewNs ?? 0, -1e15, 1e15, true));
  }
  return {
    id,
    hosts,
    vmsPerHost,
    wireMode,
    seed: checkNum('seed', spec.seed ?? 1, 0, Number.MAX_SAFE_INTEGER, true),
    relaySpinUs: checkNum('relaySpinUs', spec.relaySpinUs ?? 50, 0, 1_000_000, true),
    disableOffloads: spec.disableOffloads ?? true,
    truthLog: spec.truthLog ?? false,
    wireKnobs,
    vmKnobs,
    clockSkewNs,
  };
}
