/**
 * What the NATS side of the agent sees of the kernel side: inventory, per-stage hook report,
 * probe slots in the BPF filter, and record batches. Implemented by tracer.ts (real BPF).
 */
import type { AgentTracerFault, CounterName, StageName } from '@xtrace/proto';
import type { BtfSource } from '../btf-source.js';
import type { TracerInspection } from './tracer-inspection.js';

export type InterfaceKind = 'tap' | 'bridge' | 'ovs' | 'vxlan' | 'geneve' | 'nic' | 'veth' | 'loopback' | 'other';

export interface HostInterface {
  name: string;
  ifindex: number;
  kind: InterfaceKind;
  mac: string;
  /** bridge (or OVS) this port belongs to */
  master?: string;
  /** addresses configured on the interface itself (CIDR) */
  addresses: string[];
}

export interface VmEntry {
  /** host-side tap the VM is attached to */
  tap: string;
  ifindex: number;
  /** VM addresses learned from its traffic (BPF) or configured (--vm) */
  addresses: string[];
  /** the VM's name, from libvirt or its QEMU process (vm-name-discovery.ts); absent when neither names it */
  name?: string;
  /** where the name came from */
  nameSource?: 'libvirt' | 'qemu';
}

export interface StageReport {
  stage: StageName;
  /** e.g. "tcx ingress vnet0", "tp_btf net_dev_start_xmit"; absent when unavailable */
  hook?: string;
  attached: boolean;
  /** devices the stage is attached to */
  devices: string[];
  /** why each better candidate (or every candidate) was not used */
  fallbacks: { candidate: string; reason: string }[];
}

export interface Inventory {
  netns: number;
  interfaces: HostInterface[];
  vms: VmEntry[];
  stages: StageReport[];
  /** the kernel BTF the BPF object was loaded with (absent: a tracer without BPF) */
  btf?: BtfSource;
}

export interface ProbeFilter {
  /** BPF probe slot 0..31; the controller-visible probe id maps onto it */
  slot: number;
  src: string;
  dst: string;
  proto?: 'icmp' | 'udp' | 'tcp';
  port?: number;
  /** keep packets with hash(id) % sampleN < sampleK; omitted: keep all */
  sampleN?: number;
  sampleK?: number;
  /** capture the first snaplen bytes (1..CAPTURE_BYTES) of kept packets at tc stages; omitted: none */
  snaplen?: number;
}

export type Counters = Record<CounterName, number>;

/** A failure of the kernel side while it runs (proto agent-status.ts): records may stop. */
export type TracerFault = AgentTracerFault;

export interface Tracer {
  inventory(): Promise<Inventory>;
  addProbe(filter: ProbeFilter): void;
  removeProbe(slot: number): void;
  /**
   * Every batch holds whole 64-byte records (proto RECORD_SIZE), all probes mixed; use probe_mask.
   * A batch is valid during the call only (the BPF tracer lends them: afterwards the Buffer reads
   * as empty and its memory holds a later batch): copy what you keep.
   */
  onBatch(listener: (records: Buffer) => void): void;
  /**
   * Packet captures of probes that asked for them (ProbeFilter.snaplen): whole packed captures
   * (proto CAPTURE_SIZE), probe_mask naming the probes; valid during the call only. Optional: a
   * tracer without BPF captures nothing.
   */
  onCaptures?(listener: (captures: Buffer) => void): void;
  /** called when the kernel side fails while it runs (the ring buffer cannot be read, a hook is gone) */
  onFault(listener: (fault: TracerFault) => void): void;
  /**
   * Hands over now what the kernel side recorded and still holds (per-CPU batches, the ring,
   * batches on their way to JS): resolves once onBatch/onCaptures have had it. A probe's stop
   * removes its filter, then drains, so its last records are published. Optional: a tracer
   * without a kernel side holds nothing.
   */
  drain?(): Promise<void>;
  /** kernel counters summed over CPUs since the tracer started */
  counters(): Counters;
  /**
   * What is loaded: programs, links, maps and their fill, counters, the stage plan (`xtrace
   * inspect`, tracer-inspection.ts). Absent on a tracer without BPF.
   */
  inspect?(): TracerInspection;
  /** detaches every hook and closes the object; idempotent */
  close(): Promise<void>;
}
