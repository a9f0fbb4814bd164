/**
 * Byte layouts of the BPF maps' keys and values (bpf/include/xtrace_abi.h), so TypeScript
 * writes exactly what the programs read. Sizes are checked against the object's BTF in tests.
 */
import { isIP } from 'node:net';
import { Hook, RECORD_SIZE, Stage, UsageError, type HookName, type StageName } from '@xtrace/proto';

export const STAGE_KEY_SIZE = 12;
export const STAGE_VALUE_SIZE = 8;
export const CONFIG_SIZE = 16;
/** xt_config.flags: records go through per-CPU batches (needs a reader that flushes them, see BATCH_STAGING) */
const CONFIG_BATCH = 1 << 0;
/** xt_config.flags: vhost-net programs are attached; tap_rx looks up the vhost worker's state */
const CONFIG_VHOST = 1 << 1;
/** Per CPU: up to BATCH_RECORDS records wait in xt_batch; xt_flush_batch sends a CPU's to the ring. */
export const BATCH_RECORDS = 32;
export const BATCH_VALUE_SIZE = 8 + BATCH_RECORDS * RECORD_SIZE;
/** openRingBuffer's `staging`: what the drain thread flushes on every CPU with records waiting */
export const BATCH_STAGING = { map: 'xt_batch', program: 'xt_flush_batch' } as const;
/** xt_dev_stages: array by ifindex below this; larger ifindexes use xt_stages only */
export const DEV_STAGE_SLOTS = 65536;
export const DEV_STAGE_VALUE_SIZE = 8;
export const PROBE_KEY_SIZE = 32;
export const PROBE_SLOT_SIZE = 16;
export const PROBE_VALUE_SIZE = 72;
export const SLOTS_PER_PAIR = 4;
export const LEARN_KEY_SIZE = 24;

export const IPPROTO = { icmp: 1, tcp: 6, udp: 17 } as const;

/** An address as the BPF programs compare it: IPv6, with IPv4 mapped to ::ffff:a.b.c.d. */
export function addressBytes(address: string, field = 'address'): Buffer {
  const family = isIP(address);
  const out = Buffer.alloc(16);
  if (family === 4) {
    out[10] = 0xff;
    out[11] = 0xff;
    address.split('.').forEach((octet, i) => (out[12 + i] = Number(octet)));
    return out;
  }
  if (family === 6) {
    const [head = '', tail = ''] = address.split('::');
    const parse = (part: string): number[] => (part ? part.split(':').map((h) => parseInt(h, 16)) : []);
    let groups: number[];
    if (address.includes('::')) {
      const h = parse(head);
      const t = parse(tail);
      groups = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
    } else {
      groups = parse(address);
    }
    groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
    return out;
  }
  throw new UsageError(field, `expected an IPv4 or IPv6 address, got '${address}'`);
}

function bytesToAddress(bytes: Uint8Array): string {
  const isMapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (isMapped) return Array.from(bytes.subarray(12, 16)).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

export function stageKey(netns: number, ifindex: number, dir: 'ingress' | 'egress'): Buffer {
  const key = Buffer.alloc(STAGE_KEY_SIZE);
  key.writeUInt32LE(netns >>> 0, 0);
  key.writeUInt32LE(ifindex, 4);
  key.writeUInt32LE(dir === 'ingress' ? 0 : 1, 8);
  return key;
}

export function stageValue(stage: StageName, hook: HookName): Buffer {
  const value = Buffer.alloc(STAGE_VALUE_SIZE);
  value.writeUInt32LE(Stage[stage], 0);
  value.writeUInt32LE(Hook[hook], 4);
  return value;
}

/**
 * The xt_dev_stages entry of a device with `stage`, owned by `hook`, set for one direction,
 * keeping the other direction of `current` (the entry as read from the map, or null).
 */
export function devStageValue(current: Buffer | null, dir: 'ingress' | 'egress', stage: StageName, hook: HookName): Buffer {
  const value = Buffer.alloc(DEV_STAGE_VALUE_SIZE);
  if (current) current.copy(value, 0, 0, DEV_STAGE_VALUE_SIZE);
  const d = dir === 'ingress' ? 0 : 1;
  value.writeUInt16LE(Stage[stage], 2 * d);
  value.writeUInt8(Hook[hook], 4 + d);
  return value;
}

export function u32Key(n: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeUInt32LE(n >>> 0, 0);
  return key;
}

let probesGen = 0;

/**
 * The xt_config value. Each value carries a new probe-table generation, so a CPU's cached
 * xt_probes entry (xt_pair_cache) stops being used the moment the config is written: write the
 * config after every change to xt_probes (the tracer and the test harnesses do).
 */
export function configValue(activeProbes: number, netns: number, opts: { batch?: boolean; vhost?: boolean } = {}): Buffer {
  const value = Buffer.alloc(CONFIG_SIZE);
  value.writeUInt32LE(activeProbes, 0);
  value.writeUInt32LE(netns >>> 0, 4);
  probesGen = (probesGen + 1) >>> 0;
  value.writeUInt32LE(probesGen, 8);
  value.writeUInt32LE((opts.batch ? CONFIG_BATCH : 0) | (opts.vhost ? CONFIG_VHOST : 0), 12);
  return value;
}

export const ZERO_KEY = Buffer.alloc(4);

/**
 * Orders addresses as the BPF programs do (xt_addr_cmp): by their two little-endian 64-bit
 * words, first then second.
 */
function compareAddressWords(a: Buffer, b: Buffer): number {
  for (const off of [0, 8]) {
    const x = a.readBigUInt64LE(off);
    const y = b.readBigUInt64LE(off);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** The canonical pair key: lower address first, so both directions find the same entry. */
export function probeKey(a: Buffer, b: Buffer): Buffer {
  const [lo, hi] = compareAddressWords(a, b) <= 0 ? [a, b] : [b, a];
  return Buffer.concat([lo, hi]);
}

export interface ProbeSlotLayout {
  slot: number;
  src: Buffer;
  proto: number;
  port: number;
  sampleN: number;
  sampleK: number;
  /** capture the first snaplen bytes of kept packets at tc stages (0: none) */
  snaplen: number;
}

/** The xt_probes value of a pair (key: probeKey of its addresses) watched by these slots. */
export function probeValue(key: Buffer, slots: ProbeSlotLayout[]): Buffer {
  if (slots.length > SLOTS_PER_PAIR) {
    throw new UsageError('probe', `at most ${SLOTS_PER_PAIR} probes can watch the same address pair at once`);
  }
  const value = Buffer.alloc(PROBE_VALUE_SIZE);
  let mask = 0;
  slots.forEach((s, i) => {
    mask |= 1 << i;
    const off = 8 + i * PROBE_SLOT_SIZE;
    value.writeUInt8(s.proto, off);
    // the programs tell forward from reverse by which end of the key the packet's source is
    value.writeUInt8(s.src.equals(key.subarray(0, 16)) ? 1 : 0, off + 1);
    value.writeUInt16LE(s.port, off + 2);
    value.writeUInt32LE(s.sampleN, off + 4);
    value.writeUInt32LE(s.sampleK, off + 8);
    value.writeUInt32LE(s.snaplen, off + 12);
    value.writeUInt8(s.slot, 4 + i);
  });
  value.writeUInt32LE(mask, 0);
  return value;
}

export function decodeLearnKey(key: Buffer): { ifindex: number; address: string } {
  return { ifindex: key.readUInt32LE(0), address: bytesToAddress(key.subarray(8, 24)) };
}
