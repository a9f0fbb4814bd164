/**
 * The agent's kernel side: discovers its scope, loads the BPF object with the programs this
 * kernel accepts, attaches a hook per stage (with fallbacks), keeps the probe filter, and
 * hands record batches from the ring buffer to listeners.
 */
import { existsSync, readdirSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { CAPTURE_SIZE, Counter, COUNTER_COUNT, errorMessage, RECORD_SIZE, UsageError, XtraceError } from '@xtrace/proto';
import { BPF_TCX_EGRESS, BPF_TCX_INGRESS, native, type BpfObject, type ProgramStats, type RingBuffer } from '@xtrace/native';
import { describeBtf, resolveBtfSource, type BtfSource } from '../btf-source.js';
import { BATCH_STAGING, configValue, decodeLearnKey, ZERO_KEY } from './bpf-layouts.js';
import type { AttachMethod } from './hook-candidates.js';
import { HookManager } from './hook-manager.js';
import { readKernelCounters } from './kernel-counters.js';
import { discoverScope, isVmPort, type ScopeOptions } from './inventory.js';
import { ProbeTable } from './probe-table.js';
import { discoverVmNames, type VmNameDiscoveryOptions } from './vm-name-discovery.js';
import { probeProgramLoads } from './program-availability.js';
import { plannedCandidates, planStages, type StagePlan } from './stage-plan.js';
import { inspectTracer, type TracerInspection } from './tracer-inspection.js';
import type { Counters, HostInterface, Inventory, ProbeFilter, StageReport, Tracer, TracerFault, VmEntry } from './tracer-api.js';

export const DEFAULT_BPF_OBJECT = fileURLToPath(new URL('../../../bpf/build/xtrace.bpf.o', import.meta.url));

/**
 * Size of the xt_events ring buffer. Its data pages are mapped twice into the agent (so records
 * never wrap), so it costs twice its size in RSS from the start. 4 MiB holds ~58k records, 40 ms
 * at 1.4 M records/s; the drain thread empties it every 64 KiB and the batches it hands to JS
 * (maxPendingBatches) are the buffer for JS pauses.
 */
export const DEFAULT_RING_BUFFER_BYTES = 4 << 20;

/**
 * How the addon drains xt_events into batches for JS (the agent's batching; benchmarks use the
 * same). Batches are lent (Tracer.onBatch): their memory is reused, so they make no garbage.
 */
export const RING_BATCHING = { batchRecords: 4096, flushMs: 100, maxPendingBatches: 64, lend: true } as const;

/**
 * How the addon drains xt_captures (packet captures, `xtrace pair --pcap`): opened when the first
 * probe that asks for captures starts, never before, so an agent that is never asked pays
 * nothing for it (no drain thread, no mapping). BPF submits captures without waking the
 * reader: the thread drains them every flushMs.
 */
const CAPTURE_DRAIN = { recordSize: CAPTURE_SIZE, batchRecords: 256, flushMs: 100, maxPendingBatches: 16, lend: true } as const;

/**
 * A ring buffer size in bytes: a power of two from 1 MiB (programs wake the reader at 256 KiB
 * of waiting records, XT_WAKEUP_BYTES, which must stay well below the size) to 1 GiB.
 */
export function checkRingBufferBytes(bytes: number, field = 'ringBufferBytes'): number {
  if (!Number.isInteger(bytes) || bytes < 1 << 20 || bytes > 1 << 30 || (bytes & (bytes - 1)) !== 0) {
    throw new UsageError(field, `expected a power of two from 1 MiB to 1 GiB, got ${bytes} bytes`);
  }
  return bytes;
}

interface TracerOptions extends ScopeOptions {
  bpfObjectPath?: string;
  /** the kernel's BTF from this file (--btf, XTRACE_BTF) instead of /sys/kernel/btf/vmlinux */
  btfPath?: string;
  logger: Logger;
  /** VM addresses known from configuration, added to what BPF learns */
  vms?: { tap: string; addresses: string[] }[];
  /** where VM names are read (libvirt directories, /proc): vm-name-discovery.ts */
  vmNames?: Omit<VmNameDiscoveryOptions, 'netns'>;
  /** attach methods not to use (testing fallbacks, or working around a kernel bug) */
  disabledHooks?: AttachMethod[];
  /** xt_events size in bytes (default DEFAULT_RING_BUFFER_BYTES) */
  ringBufferBytes?: number;
  /**
   * Records wait in per-CPU batches in BPF and go to the ring 8 at a time (default true): an
   * eighth of the ring's per-entry cost per record. The drain thread flushes a CPU's batch once
   * its oldest record waited flushMs / 2 (it looks every flushMs), so a record waits less than
   * 2 flushMs longer. false: a ring entry per record.
   */
  recordBatching?: boolean;
  /** ring buffer batching */
  batchRecords?: number;
  flushMs?: number;
}

function loadedModules(): { has(name: string): boolean } {
  const names = new Set(existsSync('/sys/module') ? readdirSync('/sys/module') : []);
  return { has: (name) => names.has(name) };
}

/** XTRACE_DISABLE_HOOKS=tcx,clsact turns attach methods off. */
function disabledHooksFromEnv(value = process.env['XTRACE_DISABLE_HOOKS']): AttachMethod[] {
  const known: AttachMethod[] = ['tcx', 'clsact', 'tp_btf', 'tracepoint', 'fentry', 'kprobe'];
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      if (!known.includes(s as AttachMethod)) {
        throw new XtraceError('usage', `XTRACE_DISABLE_HOOKS: unknown hook '${s}', expected ${known.join('|')}`);
      }
      return s as AttachMethod;
    });
}

/**
 * How often the kernel side is looked at: the drain thread's last error (a new one is a fault)
 * and every tc hook (one that someone else detached is a fault: HookManager.lostHooks()).
 */
const HEALTH_CHECK_MS = 1000;

function errnoName(negErrno: number): string {
  const name = Object.entries(osConstants.errno).find(([, v]) => v === -negErrno)?.[0];
  return name ?? `errno ${-negErrno}`;
}

class BpfTracer implements Tracer {
  private readonly listeners: ((records: Buffer) => void)[] = [];
  private readonly captureListeners: ((captures: Buffer) => void)[] = [];
  private captureRing: RingBuffer | undefined;
  private readonly faultListeners: ((fault: TracerFault) => void)[] = [];
  private healthCheck: NodeJS.Timeout | undefined;
  private ringLastError = 0;
  private readonly probes: ProbeTable;
  private ring: RingBuffer | undefined;
  private batching = false;
  private closed = false;

  constructor(
    private readonly object: BpfObject,
    private readonly hooks: HookManager,
    private readonly netns: number,
    private readonly interfaces: HostInterface[],
    readonly stageReports: StageReport[],
    private readonly configuredVms: { tap: string; addresses: string[] }[],
    private readonly vmNames: Omit<VmNameDiscoveryOptions, 'netns'>,
    private readonly logger: Logger,
    private readonly btf: BtfSource,
    private readonly plan: StagePlan,
  ) {
    this.probes = new ProbeTable({
      update: (key, value) => object.mapUpdate('xt_probes', key, value),
      remove: (key) => void object.mapDelete('xt_probes', key),
    });
    this.writeConfig();
  }

  startRing(batchRecords: number, flushMs: number, recordBatching: boolean): void {
    const open = (staged: boolean): RingBuffer =>
      this.object.openRingBuffer(
        'xt_events',
        {
          recordSize: RECORD_SIZE,
          batchRecords,
          flushMs,
          maxPendingBatches: RING_BATCHING.maxPendingBatches,
          lend: RING_BATCHING.lend,
          ...(staged ? { staging: BATCH_STAGING } : {}),
        },
        (batch) => {
          for (const listener of this.listeners) listener(batch);
        },
      );
    if (recordBatching) {
      try {
        this.ring = open(true);
        this.batching = true;
      } catch (e: unknown) {
        // a kernel that cannot run the flush on a chosen CPU: a ring entry per record
        this.logger.warn({ err: e }, 'per-CPU record batches unavailable; every record is a ring entry of its own');
      }
    }
    this.ring ??= open(false);
    this.logger.info({ recordBatching: this.batching, flushMs }, 'ring buffer draining');
    this.healthCheck = setInterval(() => {
      this.checkRing();
      this.checkHooks();
    }, HEALTH_CHECK_MS);
    this.healthCheck.unref();
    this.writeConfig(); // with batching: records may be staged per CPU now, the drain thread flushes them
  }

  private writeConfig(): void {
    // vhost_tx is recorded by tap_rx in the worker: only then does tap_rx look the worker up
    const vhost = this.stageReports.some((r) => r.stage === 'vhost_tx' && r.attached);
    this.object.mapUpdate('xt_config_map', ZERO_KEY, configValue(this.probes.size, this.netns, { batch: this.batching, vhost }));
  }

  async inventory(): Promise<Inventory> {
    const vms = new Map<string, VmEntry>();
    for (const port of this.interfaces.filter(isVmPort)) {
      vms.set(port.name, { tap: port.name, ifindex: port.ifindex, addresses: [] });
    }
    for (const vm of this.configuredVms) {
      const port = this.interfaces.find((i) => i.name === vm.tap);
      const entry = vms.get(vm.tap) ?? { tap: vm.tap, ifindex: port?.ifindex ?? 0, addresses: [] };
      entry.addresses.push(...vm.addresses);
      vms.set(vm.tap, entry);
    }
    for (const key of this.object.mapKeys('xt_learned')) {
      const { ifindex, address } = decodeLearnKey(key);
      const entry = [...vms.values()].find((v) => v.ifindex === ifindex);
      if (entry && !entry.addresses.includes(address)) entry.addresses.push(address);
    }
    const macOf = new Map(this.interfaces.map((i) => [i.name, i.mac]));
    const names = discoverVmNames([...vms.keys()].map((tap) => ({ name: tap, mac: macOf.get(tap) ?? '' })), { ...this.vmNames, netns: this.netns });
    for (const [tap, n] of names) {
      const entry = vms.get(tap);
      if (entry !== undefined) Object.assign(entry, { name: n.name, nameSource: n.source });
    }
    return { netns: this.netns, interfaces: this.interfaces, vms: [...vms.values()], stages: this.stageReports, btf: { ...this.btf } };
  }

  addProbe(filter: ProbeFilter): void {
    this.probes.add(filter);
    if (this.probes.capturing) this.openCaptureRing();
    this.writeConfig();
    this.logger.info({ probe: filter }, 'probe added to the kernel filter');
  }

  removeProbe(slot: number): void {
    if (this.probes.remove(slot)) this.writeConfig();
  }

  onBatch(listener: (records: Buffer) => void): void {
    this.listeners.push(listener);
  }

  async drain(): Promise<void> {
    if (this.closed) return;
    await Promise.all([this.ring?.drain(), this.captureRing?.drain()]);
  }

  onCaptures(listener: (captures: Buffer) => void): void {
    this.captureListeners.push(listener);
  }

  /** the drain thread of xt_captures, once a probe asks for captures; it stays until close() */
  private openCaptureRing(): void {
    if (this.captureRing !== undefined || this.closed) return;
    this.captureRing = this.object.openRingBuffer('xt_captures', CAPTURE_DRAIN, (batch) => {
      for (const listener of this.captureListeners) listener(batch);
    });
    this.logger.info('packet capture ring draining');
  }

  onFault(listener: (fault: TracerFault) => void): void {
    this.faultListeners.push(listener);
  }

  /** a new error of the ring buffer's drain thread (a failed wait, staging lookup or flush) is a fault */
  private checkRing(): void {
    if (this.ring === undefined || this.closed) return;
    const lastError = this.ring.stats().lastError;
    if (lastError === 0 || lastError === this.ringLastError) return;
    this.ringLastError = lastError;
    this.fault({ part: 'ring buffer', message: `the drain thread failed: ${errnoName(lastError)}`, atMs: Date.now() });
  }

  /** a stage's hook detached by someone else (or its device gone) is a fault: that stage records nothing more */
  private checkHooks(): void {
    if (this.closed) return;
    for (const lost of this.hooks.lostHooks()) {
      // a deleted tap (its VM shut down) takes its hooks with it: said as such, not as tampering
      const message = lost.deviceGone ? `its device was removed (a VM that shut down, or a deleted link); the stage records nothing more on it` : `${lost.found}; the stage records nothing more`;
      this.fault({ part: `stage ${lost.stage} (${lost.hook})`, message, atMs: Date.now() });
    }
  }

  private fault(fault: TracerFault): void {
    this.logger.error(fault, 'tracer fault');
    for (const l of this.faultListeners) l(fault);
  }

  counters(): Counters {
    return readKernelCounters(this.object);
  }

  inspect(): TracerInspection {
    if (this.closed) throw new XtraceError('agent', 'the tracer is closed');
    return inspectTracer({
      object: this.object,
      ring: this.ring?.stats(),
      recordBatching: this.batching,
      counters: this.counters(),
      plan: this.plan,
      reports: this.stageReports,
      btf: this.btf,
    });
  }

  /** run count and time of every loaded program (times count only while bpf_stats are on) */
  programStats(): ProgramStats[] {
    const out: ProgramStats[] = [];
    for (const p of this.object.programs()) {
      try {
        out.push(this.object.programStats(p.name));
      } catch {
        // not loaded (autoload off)
      }
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.healthCheck !== undefined) clearInterval(this.healthCheck);
    this.object.mapUpdate('xt_config_map', ZERO_KEY, configValue(0, this.netns));
    for (const err of this.hooks.detachAll()) this.logger.warn({ err }, 'a hook did not detach');
    await this.ring?.close();
    await this.captureRing?.close();
    this.object.close();
  }
}

type TracerWithReport = Tracer & { readonly stageReports: StageReport[]; programStats(): ProgramStats[] };

export async function createTracer(options: TracerOptions): Promise<TracerWithReport> {
  if (COUNTER_COUNT !== Object.keys(Counter).length) throw new Error('proto Counter table out of step');
  const objectPath = options.bpfObjectPath ?? DEFAULT_BPF_OBJECT;
  const ringBytes = checkRingBufferBytes(options.ringBufferBytes ?? DEFAULT_RING_BUFFER_BYTES);
  if (!existsSync(objectPath)) {
    throw new XtraceError('bpf', `BPF object ${objectPath} not found: run ./setup.sh (or make -C bpf)`);
  }
  const btf = resolveBtfSource(options.btfPath);
  const openOptions = btf.from === 'file' ? { btfCustomPath: btf.path } : {};
  options.logger.info({ btf: btf.path, from: btf.from }, `kernel BTF: ${describeBtf(btf)}`);
  const scope = await discoverScope(options);
  const plan = planStages(scope.interfaces, loadedModules());
  const disabled = new Set(options.disabledHooks ?? disabledHooksFromEnv());

  // Clean what a crashed agent may have left: classic tc filters are not links.
  for (const iface of scope.interfaces) {
    const removed = native.removeStaleClsactFilters(iface.ifindex);
    if (removed > 0) options.logger.warn({ device: iface.name, removed }, 'removed stale xtrace tc filters');
  }

  const candidates = plannedCandidates(plan);
  const wanted = new Set(candidates.filter((c) => !disabled.has(c.method)).map((c) => c.program));
  const risky = candidates.filter((c) => c.optional && wanted.has(c.program));
  const unavailable = probeProgramLoads(native, objectPath, new Set(risky.map((c) => c.program)), openOptions);

  const object = native.openObject(objectPath, openOptions);
  try {
    for (const program of object.programs()) {
      object.setAutoload(program.name, program.name === BATCH_STAGING.program || (wanted.has(program.name) && !unavailable.has(program.name)));
    }
    object.setMaxEntries('xt_events', ringBytes);
    if (wanted.has('xt_tc_ingress')) object.setExpectedAttachType('xt_tc_ingress', BPF_TCX_INGRESS);
    if (wanted.has('xt_tc_egress')) object.setExpectedAttachType('xt_tc_egress', BPF_TCX_EGRESS);
    try {
      object.load();
    } catch (e: unknown) {
      // libbpf reads the BTF file only now: name it (its reason, e.g. "failed to parse target BTF", follows)
      if (btf.from === 'file') throw new XtraceError('bpf', `loading with the kernel BTF from --btf ${btf.path} failed: ${errorMessage(e)}`, { cause: e });
      throw e;
    }
    const hooks = new HookManager(object, { netns: scope.netns, disabled, unavailable });
    const reports = hooks.attachPlan(plan);
    const tracer = new BpfTracer(object, hooks, scope.netns, scope.interfaces, reports, options.vms ?? [], options.vmNames ?? {}, options.logger, btf, plan);
    tracer.startRing(options.batchRecords ?? RING_BATCHING.batchRecords, options.flushMs ?? RING_BATCHING.flushMs, options.recordBatching ?? true);
    options.logger.info(
      { stages: reports.map((r) => ({ stage: r.stage, hook: r.hook ?? 'unavailable', devices: r.devices })) },
      'hooks attached',
    );
    return tracer;
  } catch (e: unknown) {
    object.close();
    throw e;
  }
}
