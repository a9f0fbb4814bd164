/**
 * What an agent tells the registry: JSON on Subjects.agentHeartbeat(host) every
 * HEARTBEAT_INTERVAL_MS and on Subjects.registryAnnounce at start (and when discovered).
 * agentHeartbeatSchema checks what the registry keys on when one arrives.
 */
import * as v from 'valibot';
import { finiteNumber, looseObjectSchema } from './schema-builders.js';
import { describeValue, expecting } from './schema-error.js';
import { isSubjectToken } from './subjects.js';

export const HEARTBEAT_INTERVAL_MS = 2000;
/** The controller marks an agent down after this many missed heartbeats. */
export const MISSED_HEARTBEATS_DOWN = 3;

export interface AgentProbeStatus {
  probeId: string;
  slot: number;
  src: string;
  dst: string;
  proto?: string;
  port?: number;
  startedAtMs: number;
  /** batches published so far (= the last seq used) */
  batches: number;
  records: number;
  /** ms left before the lease runs out */
  leaseLeftMs: number;
}

/**
 * The kernel side of an agent stopped working, wholly or in part, while the agent runs (its
 * ring buffer cannot be read, a hook was detached by someone else): records of its probes may
 * no longer arrive. node-agent tracing/tracer-api.ts reports them; the agent keeps the last few.
 */
export interface AgentTracerFault {
  /** what failed: "ring buffer", "stage nic_rx (tcx ingress nic0)", ... */
  part: string;
  message: string;
  /** agent time, epoch ms */
  atMs: number;
}

/** Shapes of Inventory (node-agent tracer-api.ts), repeated here so proto stays dependency-free. */
export interface AgentVm {
  tap: string;
  ifindex: number;
  addresses: string[];
  /** the VM's name (libvirt domain or QEMU -name, node-agent tracing/vm-name-discovery.ts); absent when unknown */
  name?: string;
  /** where the name came from: libvirt | qemu */
  nameSource?: string;
}

export interface AgentHeartbeat {
  v: 1;
  host: string;
  bootId: string;
  /** heartbeat sequence of this agent process */
  seq: number;
  sentAtMs: number;
  startedAtMs: number;
  version: string;
  heartbeatMs: number;
  /** the tracer's inventory (interfaces, VMs, stage report); may be large-ish, a few KB */
  inventory: {
    netns: number;
    interfaces: unknown[];
    vms: AgentVm[];
    stages: unknown[];
    /** the kernel BTF the agent loaded BPF with: /sys/kernel/btf/vmlinux ('kernel') or its --btf file ('file') */
    btf?: { from: 'kernel' | 'file'; path: string };
  };
  probes: AgentProbeStatus[];
  counters: Record<string, number>;
  /**
   * The kernel's drop-reason names as [value, name] (its `enum skb_drop_reason`, and the
   * openvswitch one when that module is loaded), read from its BTF when the agent started.
   * Enum values differ between kernels, stable point releases included, so the controller names
   * a host's drops with that host's own table. Absent when the agent could not read BTF.
   */
  dropReasons?: [number, string][];
  /** set when the tracer failed to report (the agent keeps running) */
  inventoryError?: string;
  /** failures of the kernel side since the agent started, oldest first (the last few); absent when none */
  tracerFaults?: AgentTracerFault[];
}

const NO_INVENTORY: AgentHeartbeat['inventory'] = { netns: 0, interfaces: [], vms: [], stages: [] };

/** libvirt and QEMU take longer names, but a name one types after --src fits in this */
export const MAX_VM_NAME_CHARS = 256;

/** A boot id is a UUID; a longer string is garbage. */
const MAX_BOOT_ID_CHARS = 128;

const text = (max: number) => v.pipe(v.string(expecting((x) => `expected a string, got ${describeValue(x)}`)), v.maxLength(max, `expected at most ${max} characters`));
const atLeastZero = expecting((x) => `expected a number >= 0, got ${describeValue(x)}`);
const count = v.pipe(finiteNumber(atLeastZero), v.minValue(0, atLeastZero));
const list = <T extends v.GenericSchema>(item: T) => v.array(item, expecting((x) => `expected an array, got ${describeValue(x)}`));
const object = <E extends v.ObjectEntries>(entries: E) => looseObjectSchema(entries, expecting((x) => `expected an object, got ${describeValue(x)}`));

/** what the controller reads of each VM (its tap, addresses and name: agent-registry.ts, fleet-bridge.ts) */
const vm = object({ tap: text(256), addresses: list(text(64)), name: v.optional(text(MAX_VM_NAME_CHARS)) });

/**
 * A received heartbeat or announcement: the registry keys agents on `host` and notices reboots
 * by `bootId`, so those must be right; an inventory without a VM list counts as empty (an agent
 * whose tracer failed still registers). What the controller reads of the rest (each VM's tap and
 * addresses, each stage and probe as an object, the version and times) must have its type when
 * present; other fields pass as sent (looseObjectSchema).
 */
export const agentHeartbeatSchema: v.GenericSchema<unknown, AgentHeartbeat> = v.pipe(
  looseObjectSchema(
    {
      host: v.custom<string>(isSubjectToken, expecting((x) => `expected 1-128 characters of [A-Za-z0-9_-], got ${describeValue(x)}`)),
      bootId: text(MAX_BOOT_ID_CHARS),
      version: v.optional(text(256)),
      startedAtMs: v.optional(count),
      heartbeatMs: v.optional(count),
      inventory: v.pipe(
        v.unknown(),
        v.transform((x) => (typeof x === 'object' && x !== null && Array.isArray((x as { vms?: unknown }).vms) ? x : { ...NO_INVENTORY })),
        object({ vms: list(vm), stages: v.optional(list(object({}))) }),
      ),
      probes: v.optional(list(object({ probeId: text(128) })), () => []),
    },
    expecting((x) => `expected a JSON object, got ${describeValue(x)}`),
  ),
  v.transform((hb) => hb as unknown as AgentHeartbeat),
);
