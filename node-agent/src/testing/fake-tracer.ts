/**
 * A Tracer without BPF, for tests and demos: a fixed inventory, records probe filters,
 * and emits whatever packed records a test constructs. Tests using it say
 * "(fake tracer: no BPF)" in their names.
 */
import { COUNTER_COUNT, Counter, type CounterName } from '@xtrace/proto';
import type { Counters, Inventory, ProbeFilter, Tracer, TracerFault } from '../tracing/tracer-api.js';

export interface FakeTracerOptions {
  inventory?: Partial<Inventory>;
  /** addresses of VMs on this fake host, one tap each (shortcut for inventory.vms) */
  vmAddresses?: string[];
  /** the names of those VMs, by position ('' or absent: unnamed) */
  vmNames?: string[];
  /** addProbe throws this (once per call) when set */
  failAddProbe?: Error;
}

export class FakeTracer implements Tracer {
  readonly filters = new Map<number, ProbeFilter>();
  readonly added: ProbeFilter[] = [];
  readonly removed: number[] = [];
  closed = false;
  failAddProbe: Error | undefined;
  private readonly listeners: ((records: Buffer) => void)[] = [];
  private readonly inv: Inventory;
  private readonly counterValues: Counters;
  private readonly probeListeners: ((f: ProbeFilter) => void)[] = [];
  private readonly faultListeners: ((f: TracerFault) => void)[] = [];
  /** set by fail(): batches emitted afterwards are dropped, as a ring nobody reads would */
  failed = false;
  /** while set, drain() waits for it: a test holds a probe's stop in its drain */
  drainHold: Promise<void> | undefined;

  constructor(opts: FakeTracerOptions = {}) {
    const vms =
      opts.inventory?.vms ??
      (opts.vmAddresses ?? []).map((a, i) => {
        const name = opts.vmNames?.[i];
        return { tap: `vnet${i}`, ifindex: 100 + i, addresses: [a], ...(name ? { name, nameSource: 'libvirt' as const } : {}) };
      });
    this.inv = {
      netns: opts.inventory?.netns ?? 4026531840,
      interfaces: opts.inventory?.interfaces ?? vms.map((v) => ({ name: v.tap, ifindex: v.ifindex, kind: 'tap' as const, mac: '02:00:00:00:00:01', addresses: [] })),
      vms,
      stages: opts.inventory?.stages ?? [{ stage: 'tap_rx', hook: 'fake', attached: true, devices: vms.map((v) => v.tap), fallbacks: [] }],
    };
    this.failAddProbe = opts.failAddProbe;
    this.counterValues = Object.fromEntries(Object.keys(Counter).map((k) => [k, 0])) as Counters;
    void COUNTER_COUNT;
  }

  async inventory(): Promise<Inventory> {
    return structuredClone(this.inv);
  }

  addProbe(filter: ProbeFilter): void {
    if (this.failAddProbe) {
      const e = this.failAddProbe;
      throw e;
    }
    if (this.filters.has(filter.slot)) throw new Error(`slot ${filter.slot} already in use`);
    this.filters.set(filter.slot, { ...filter });
    this.added.push({ ...filter });
    for (const l of this.probeListeners) l(filter);
  }

  removeProbe(slot: number): void {
    this.filters.delete(slot);
    this.removed.push(slot);
  }

  onBatch(listener: (records: Buffer) => void): void {
    this.listeners.push(listener);
  }

  /** called with each filter as it is added (tests start generating traffic from here) */
  onProbeAdded(listener: (f: ProbeFilter) => void): void {
    this.probeListeners.push(listener);
  }

  onFault(listener: (f: TracerFault) => void): void {
    this.faultListeners.push(listener);
  }

  /** hands a batch of packed records to the agent, as the ring buffer drain would (nothing after fail()) */
  emit(records: Buffer): void {
    if (this.failed) return;
    for (const l of this.listeners) l(records);
  }

  /** the kernel side breaks: reports the fault, and no batch is delivered any more */
  fail(part: string, message: string): void {
    this.failed = true;
    const fault: TracerFault = { part, message, atMs: Date.now() };
    for (const l of this.faultListeners) l(fault);
  }

  /** what the kernel side still held is handed over: nothing here, once drainHold (if set) resolves */
  async drain(): Promise<void> {
    await this.drainHold;
  }

  bumpCounter(name: CounterName, by = 1): void {
    this.counterValues[name] += by;
  }

  counters(): Counters {
    return { ...this.counterValues };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
