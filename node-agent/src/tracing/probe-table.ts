/**
 * The probes active in the kernel filter: BPF slots 0..MAX_PROBES-1, grouped by address pair into
 * xt_probes entries (a pair holds up to four probes). Validates before touching the map,
 * so a bad probe never leaves a half-written filter.
 */
import { CAPTURE_BYTES, MAX_PROBES, UsageError } from '@xtrace/proto';
import {
  addressBytes,
  IPPROTO,
  probeKey,
  probeValue,
  SLOTS_PER_PAIR,
  type ProbeSlotLayout,
} from './bpf-layouts.js';
import type { ProbeFilter } from './tracer-api.js';

interface FilterMapWriter {
  update(key: Buffer, value: Buffer): void;
  remove(key: Buffer): void;
}

interface ActiveProbe {
  pairKey: string;
  layout: ProbeSlotLayout;
}

export class ProbeTable {
  private readonly bySlot = new Map<number, ActiveProbe>();

  constructor(private readonly writer: FilterMapWriter) {}

  get size(): number {
    return this.bySlot.size;
  }

  /** whether a probe in the table asked for packet captures */
  get capturing(): boolean {
    return [...this.bySlot.values()].some((p) => p.layout.snaplen > 0);
  }

  add(filter: ProbeFilter): void {
    if (!Number.isInteger(filter.slot) || filter.slot < 0 || filter.slot >= MAX_PROBES) {
      throw new UsageError('slot', `expected an integer 0..${MAX_PROBES - 1}, got ${filter.slot}`);
    }
    if (this.bySlot.has(filter.slot)) throw new UsageError('slot', `slot ${filter.slot} is already in use`);
    const src = addressBytes(filter.src, 'src');
    const dst = addressBytes(filter.dst, 'dst');
    if (src.equals(dst)) throw new UsageError('dst', 'must differ from src');
    if (filter.port !== undefined && (!Number.isInteger(filter.port) || filter.port < 1 || filter.port > 65535)) {
      throw new UsageError('port', `expected 1..65535, got ${filter.port}`);
    }
    const sampleN = filter.sampleN ?? 0;
    const sampleK = filter.sampleK ?? 0;
    if (sampleN !== 0 && (!Number.isInteger(sampleN) || !Number.isInteger(sampleK) || sampleK < 1 || sampleK > sampleN)) {
      throw new UsageError('sample', `expected k/n with 1 <= k <= n, got ${sampleK}/${sampleN}`);
    }
    const snaplen = filter.snaplen ?? 0;
    if (!Number.isInteger(snaplen) || snaplen < 0 || snaplen > CAPTURE_BYTES) {
      throw new UsageError('snaplen', `expected 1..${CAPTURE_BYTES}, got ${filter.snaplen}`);
    }
    const key = probeKey(src, dst);
    const pairKey = key.toString('hex');
    const layout: ProbeSlotLayout = {
      slot: filter.slot,
      src,
      proto: filter.proto ? IPPROTO[filter.proto] : 0,
      port: filter.port ?? 0,
      sampleN,
      sampleK,
      snaplen,
    };
    const siblings = this.slotsOf(pairKey);
    if (siblings.length >= SLOTS_PER_PAIR) {
      throw new UsageError('dst', `at most ${SLOTS_PER_PAIR} probes can watch ${filter.src} <-> ${filter.dst} at once`);
    }
    this.writer.update(key, probeValue(key, [...siblings, layout]));
    this.bySlot.set(filter.slot, { pairKey, layout });
  }

  remove(slot: number): boolean {
    const probe = this.bySlot.get(slot);
    if (!probe) return false;
    this.bySlot.delete(slot);
    const key = Buffer.from(probe.pairKey, 'hex');
    const rest = this.slotsOf(probe.pairKey);
    if (rest.length === 0) this.writer.remove(key);
    else this.writer.update(key, probeValue(key, rest));
    return true;
  }

  private slotsOf(pairKey: string): ProbeSlotLayout[] {
    return [...this.bySlot.values()].filter((p) => p.pairKey === pairKey).map((p) => p.layout);
  }
}
