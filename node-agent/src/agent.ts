/**
 * The NATS side of the agent: registers and heartbeats, handles probe commands, relays the
 * tracer's record batches per probe as msgpack envelopes. The kernel side is a Tracer
 * (tracing/tracer-api.ts); tests pass a FakeTracer.
 */
import type { Msg, NatsConnection, Subscription } from 'nats';
import type pino from 'pino';
import {
  DEFAULT_LEASE_MS,
  ENVELOPE_VERSION,
  HEARTBEAT_INTERVAL_MS,
  MAX_PROBES,
  RECORD_SIZE,
  Subjects,
  XtraceError,
  errorMessage,
  errorReply,
  formatFieldErrors,
  okReply,
  validateAgentCommand,
  type AgentCommand,
  type AgentHeartbeat,
  type AgentProbeStatus,
  type CommandReply,
  type ErrorCode,
  type RenewResult,
  type StartProbeCommand,
  type StartProbeResult,
} from '@xtrace/proto';
import type { Inventory, ProbeFilter, Tracer } from './tracing/tracer-api.js';
import { BpfSlotAllocator } from './bpf-slot-allocator.js';
import { skewRecords, splitBySlot } from './batch-split.js';
import { EnvelopeBuilder } from './envelope-writer.js';
import { collectYoungGeneration } from './memory.js';
import { readKernelDropReasons } from './kernel-drop-reasons.js';

export const AGENT_VERSION = '0.1.0';

/**
 * Collect the young generation after this many record bytes were published: each envelope
 * leaves two dead Buffers of its size (the envelope and NATS's write buffer) that only a
 * collection frees (memory.ts); the tracer's batches are lent and reused, not garbage.
 */
const GC_EVERY_BYTES = 2 << 20;

export interface AgentOptions {
  nc: NatsConnection;
  tracer: Tracer;
  hostId: string;
  bootId: string;
  logger: pino.Logger;
  heartbeatMs?: number;
  /** publish pending records at least this often */
  flushMs?: number;
  /** publish an empty batch (clock pair + counters) when a probe had no records for this long */
  idleBatchMs?: number;
  /** flush early when a probe's pending records reach this many */
  maxBatchRecords?: number;
  /** TEST ONLY: see clockSkewFromEnv() */
  clockSkewNs?: bigint;
  /** the kernel's drop-reason names [value, name] to report; default: read from its BTF (readKernelDropReasons) */
  dropReasons?: [number, string][] | null;
}

interface ActiveProbe {
  cmd: StartProbeCommand;
  slot: number;
  startedAtMs: number;
  leaseMs: number;
  leaseDeadline: number;
  endDeadline: number | undefined;
  seq: number;
  records: number;
  /** the next envelope, records copied in as batches arrive (the tracer's batches are lent) */
  out: EnvelopeBuilder;
  lastPublishMs: number;
}

class CommandError extends XtraceError {
  constructor(code: ErrorCode, message: string, readonly fields?: { field: string; message: string }[]) {
    super(code, message);
  }
}

/** What the agent has done since it started (for /metrics); counters only go up. */
export interface AgentStats {
  hostId: string;
  /** records the tracer delivered (all probes) */
  eventsTotal: number;
  /** records published to NATS in event batches */
  recordsPublished: number;
  batchesPublished: number;
  /** batches whose publish threw (the controller counts them as lost) */
  batchPublishFailures: number;
  probesActive: number;
  probesStarted: number;
  /** kernel counters (ringbuf_full, ...), cumulative since the tracer started */
  kernel: Record<string, number>;
  /** the tracer's stage report: which hook each stage got, or why none */
  stages: Inventory['stages'];
}

function sameProbe(a: StartProbeCommand, b: StartProbeCommand): boolean {
  return a.src === b.src && a.dst === b.dst && a.proto === b.proto && a.port === b.port && a.sample?.k === b.sample?.k && a.sample?.n === b.sample?.n;
}

export class Agent {
  private readonly nc: NatsConnection;
  private readonly tracer: Tracer;
  readonly hostId: string;
  readonly bootId: string;
  private readonly log: pino.Logger;
  private readonly heartbeatMs: number;
  private readonly flushMs: number;
  private readonly idleBatchMs: number;
  private readonly maxBatchRecords: number;
  private readonly skewNs: bigint;
  private readonly slots = new BpfSlotAllocator();
  private readonly probes = new Map<string, ActiveProbe>();
  private readonly bySlot = new Map<number, ActiveProbe>();
  private readonly subs: Subscription[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly startedAtMs = Date.now();
  private hbSeq = 0;
  private eventsTotal = 0;
  private recordsPublished = 0;
  private batchesPublished = 0;
  private batchPublishFailures = 0;
  private probesStarted = 0;
  /** record bytes published since the last young-generation collection */
  private releasedBytes = 0;
  private inventory: Inventory = { netns: 0, interfaces: [], vms: [], stages: [] };
  private inventoryError: string | undefined;
  private readonly dropReasons: [number, string][] | null;
  private closed = false;

  constructor(opts: AgentOptions) {
    this.nc = opts.nc;
    this.tracer = opts.tracer;
    this.hostId = opts.hostId;
    this.bootId = opts.bootId;
    this.log = opts.logger.child({ host: opts.hostId });
    this.heartbeatMs = opts.heartbeatMs ?? HEARTBEAT_INTERVAL_MS;
    this.flushMs = opts.flushMs ?? 200;
    this.idleBatchMs = opts.idleBatchMs ?? 1000;
    this.maxBatchRecords = opts.maxBatchRecords ?? 8192;
    this.skewNs = opts.clockSkewNs ?? 0n;
    this.dropReasons = opts.dropReasons === undefined ? readKernelDropReasons() : opts.dropReasons;
    if (!this.dropReasons) this.log.warn('no drop-reason names from the kernel BTF: the controller names drops by its built-in table');
    if (this.skewNs !== 0n) this.log.warn({ skewNs: String(this.skewNs) }, 'TEST ONLY clock skew applied to every record (XTRACE_CLOCK_SKEW_NS)');
  }

  async start(): Promise<void> {
    await this.refreshInventory();
    this.tracer.onBatch((records) => this.onBatch(records));
    this.subs.push(
      this.nc.subscribe(Subjects.agentCmd(this.hostId), {
        callback: (err, msg) => {
          if (err) {
            this.log.error({ err }, 'command subscription failed');
            return;
          }
          void this.onCommand(msg);
        },
      }),
      this.nc.subscribe(Subjects.registryDiscover, {
        callback: (err) => {
          if (!err) this.publishStatus(Subjects.registryAnnounce);
        },
      }),
    );
    this.publishStatus(Subjects.registryAnnounce);
    this.timers.push(
      setInterval(() => {
        void this.refreshInventory().then(() => this.publishStatus(Subjects.agentHeartbeat(this.hostId)));
      }, this.heartbeatMs),
      setInterval(() => this.tick(), Math.min(this.flushMs, 250)),
    );
    await this.nc.flush();
    this.log.info({ bootId: this.bootId }, 'agent registered');
  }

  stats(): AgentStats {
    return {
      hostId: this.hostId,
      eventsTotal: this.eventsTotal,
      recordsPublished: this.recordsPublished,
      batchesPublished: this.batchesPublished,
      batchPublishFailures: this.batchPublishFailures,
      probesActive: this.probes.size,
      probesStarted: this.probesStarted,
      kernel: this.safeCounters(),
      stages: this.inventory.stages,
    };
  }

  /** probe ids currently running (tests, status) */
  probeIds(): string[] {
    return [...this.probes.keys()];
  }

  private async refreshInventory(): Promise<void> {
    try {
      this.inventory = await this.tracer.inventory();
      this.inventoryError = undefined;
    } catch (e: unknown) {
      this.inventoryError = errorMessage(e);
      this.log.warn({ err: e }, 'inventory failed');
    }
  }

  private status(): AgentHeartbeat {
    const now = Date.now();
    const hb: AgentHeartbeat = {
      v: 1,
      host: this.hostId,
      bootId: this.bootId,
      seq: ++this.hbSeq,
      sentAtMs: now,
      startedAtMs: this.startedAtMs,
      version: AGENT_VERSION,
      heartbeatMs: this.heartbeatMs,
      inventory: {
        netns: this.inventory.netns,
        interfaces: this.inventory.interfaces,
        vms: this.inventory.vms.map((v) => ({ tap: v.tap, ifindex: v.ifindex, addresses: v.addresses })),
        stages: this.inventory.stages,
      },
      probes: [...this.probes.entries()].map(([probeId, p]): AgentProbeStatus => {
        const s: AgentProbeStatus = {
          probeId,
          slot: p.slot,
          src: p.cmd.src,
          dst: p.cmd.dst,
          startedAtMs: p.startedAtMs,
          batches: p.seq,
          records: p.records,
          leaseLeftMs: Math.max(0, p.leaseDeadline - now),
        };
        if (p.cmd.proto !== undefined) s.proto = p.cmd.proto;
        if (p.cmd.port !== undefined) s.port = p.cmd.port;
        return s;
      }),
      counters: this.safeCounters(),
    };
    if (this.dropReasons) hb.dropReasons = this.dropReasons;
    if (this.inventoryError !== undefined) hb.inventoryError = this.inventoryError;
    return hb;
  }

  private safeCounters(): Record<string, number> {
    try {
      return { ...this.tracer.counters() };
    } catch (e: unknown) {
      this.log.warn({ err: e }, 'reading kernel counters failed');
      return {};
    }
  }

  private publishStatus(subject: string): void {
    if (this.closed || this.nc.isClosed()) return;
    try {
      this.nc.publish(subject, JSON.stringify(this.status()));
    } catch (e: unknown) {
      this.log.warn({ err: e, subject }, 'status publish failed');
    }
  }

  private async onCommand(msg: Msg): Promise<void> {
    let reply: CommandReply;
    try {
      let input: unknown;
      try {
        input = msg.json();
      } catch (e: unknown) {
        throw new CommandError('usage', `(command): not JSON: ${errorMessage(e)}`, [{ field: '(command)', message: 'not JSON' }]);
      }
      const v = validateAgentCommand(input);
      if (!v.ok) throw new CommandError('usage', formatFieldErrors(v.errors), v.errors);
      reply = okReply(await this.execute(v.value));
    } catch (e: unknown) {
      if (e instanceof CommandError) reply = errorReply(e.code, e.message, e.fields);
      else if (e instanceof XtraceError) reply = errorReply(e.code, e.message);
      else reply = errorReply('internal', errorMessage(e));
      this.log.warn({ err: e }, 'command rejected');
    }
    if (msg.reply) {
      try {
        msg.respond(JSON.stringify(reply));
      } catch (e: unknown) {
        this.log.warn({ err: e }, 'reply failed');
      }
    }
  }

  private async execute(cmd: AgentCommand): Promise<unknown> {
    switch (cmd.op) {
      case 'startProbe':
        return this.startProbe(cmd);
      case 'stopProbe':
      {
        // batches: how many envelopes this probe published in all (lets the controller count trailing loss)
        const batches = this.stopProbe(cmd.probeId, 'stop command');
        return { probeId: cmd.probeId, stopped: batches !== undefined, batches: batches ?? 0 };
      }
      case 'updateProbe': {
        const p = this.probes.get(cmd.probeId);
        if (!p) throw new CommandError('usage', `probeId: no probe '${cmd.probeId}' on ${this.hostId}`, [{ field: 'probeId', message: 'unknown probe' }]);
        if (cmd.durationMs !== undefined) p.endDeadline = Date.now() + cmd.durationMs;
        if (cmd.sample !== undefined && (cmd.sample.k !== p.cmd.sample?.k || cmd.sample.n !== p.cmd.sample?.n)) {
          const next: StartProbeCommand = { ...p.cmd, sample: cmd.sample };
          this.tracer.removeProbe(p.slot);
          try {
            this.tracer.addProbe(this.filterOf(next, p.slot));
            p.cmd = next;
          } catch (e: unknown) {
            // put the previous filter back: never leave the slot half-configured
            this.tracer.addProbe(this.filterOf(p.cmd, p.slot));
            throw new CommandError('bpf', `updating probe filter failed: ${errorMessage(e)}`);
          }
        }
        return { probeId: cmd.probeId, updated: true };
      }
      case 'renew': {
        const res: RenewResult = { renewed: [], unknown: [] };
        const now = Date.now();
        for (const id of cmd.probeIds) {
          const p = this.probes.get(id);
          if (!p) {
            res.unknown.push(id);
            continue;
          }
          if (cmd.leaseMs !== undefined) p.leaseMs = cmd.leaseMs;
          p.leaseDeadline = now + p.leaseMs;
          res.renewed.push(id);
        }
        return res;
      }
      case 'status':
        return this.status();
    }
  }

  private filterOf(cmd: StartProbeCommand, slot: number): ProbeFilter {
    const f: ProbeFilter = { slot, src: cmd.src, dst: cmd.dst };
    if (cmd.proto !== undefined) f.proto = cmd.proto;
    if (cmd.port !== undefined) f.port = cmd.port;
    if (cmd.sample !== undefined) {
      f.sampleN = cmd.sample.n;
      f.sampleK = cmd.sample.k;
    }
    return f;
  }

  private startProbe(cmd: StartProbeCommand): StartProbeResult {
    if (this.closed) throw new CommandError('agent', `agent ${this.hostId} is shutting down`);
    const existing = this.probes.get(cmd.probeId);
    if (existing) {
      if (!sameProbe(existing.cmd, cmd)) {
        throw new CommandError('usage', `probeId: '${cmd.probeId}' already runs on ${this.hostId} with other parameters`, [
          { field: 'probeId', message: 'already running with other parameters' },
        ]);
      }
      existing.leaseDeadline = Date.now() + existing.leaseMs;
      return { probeId: cmd.probeId, slot: existing.slot, host: this.hostId, bootId: this.bootId };
    }
    const slot = this.slots.allocate();
    if (slot === undefined) throw new CommandError('agent', `no free probe slot on ${this.hostId} (all ${MAX_PROBES} in use)`);
    try {
      this.tracer.addProbe(this.filterOf(cmd, slot));
    } catch (e: unknown) {
      try {
        this.tracer.removeProbe(slot);
      } catch (cleanup: unknown) {
        this.log.warn({ err: cleanup, slot }, 'cleanup after failed addProbe failed');
      }
      this.slots.release(slot);
      throw new CommandError(e instanceof XtraceError ? e.code : 'bpf', `starting probe on ${this.hostId} failed: ${errorMessage(e)}`);
    }
    this.probesStarted++;
    const now = Date.now();
    const leaseMs = cmd.leaseMs ?? DEFAULT_LEASE_MS;
    const p: ActiveProbe = {
      cmd,
      slot,
      startedAtMs: now,
      leaseMs,
      leaseDeadline: now + leaseMs,
      endDeadline: cmd.durationMs !== undefined ? now + cmd.durationMs : undefined,
      seq: 0,
      records: 0,
      out: new EnvelopeBuilder(this.maxBatchRecords),
      lastPublishMs: now,
    };
    this.probes.set(cmd.probeId, p);
    this.bySlot.set(slot, p);
    this.log.info({ probeId: cmd.probeId, slot, src: cmd.src, dst: cmd.dst, leaseMs }, 'probe started');
    return { probeId: cmd.probeId, slot, host: this.hostId, bootId: this.bootId };
  }

  /** Flushes what is pending, removes the filter, frees the slot. Returns the batch count, undefined when unknown. */
  private stopProbe(probeId: string, why: string): number | undefined {
    const p = this.probes.get(probeId);
    if (!p) return undefined;
    this.flush(probeId, p, true);
    try {
      this.tracer.removeProbe(p.slot);
    } catch (e: unknown) {
      this.log.error({ err: e, probeId, slot: p.slot }, 'removing probe filter failed');
    }
    this.slots.release(p.slot);
    this.probes.delete(probeId);
    this.bySlot.delete(p.slot);
    this.log.info({ probeId, why, batches: p.seq, records: p.records }, 'probe stopped');
    return p.seq;
  }

  private onBatch(records: Buffer): void {
    this.eventsTotal += records.byteLength / RECORD_SIZE;
    if (this.bySlot.size === 0) return;
    let active = 0;
    for (const slot of this.bySlot.keys()) active |= 1 << slot;
    for (const [slot, buf] of splitBySlot(records, active >>> 0)) {
      const p = this.bySlot.get(slot)!;
      for (let from = 0; from < buf.byteLength; ) {
        from += p.out.append(buf, from);
        if (p.out.full) {
          this.flush(p.cmd.probeId, p, false);
          if (p.out.full) break; // NATS closed: nothing can go out any more
        }
      }
    }
  }

  private tick(): void {
    const now = Date.now();
    for (const [id, p] of [...this.probes]) {
      if (now >= p.leaseDeadline) {
        this.log.warn({ probeId: id, leaseMs: p.leaseMs }, 'probe lease expired (controller gone?): stopping it');
        this.stopProbe(id, 'lease expired');
        continue;
      }
      if (p.endDeadline !== undefined && now >= p.endDeadline) {
        this.stopProbe(id, 'duration reached');
        continue;
      }
      if (p.out.records > 0 || now - p.lastPublishMs >= this.idleBatchMs) this.flush(id, p, true);
    }
  }

  private flush(probeId: string, p: ActiveProbe, allowEmpty: boolean): void {
    const n = p.out.records;
    if (n === 0 && !allowEmpty) return;
    if (this.nc.isClosed()) return;
    const monoNs = process.hrtime.bigint() + this.skewNs;
    const realNs = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
    p.seq++;
    p.records += n;
    p.lastPublishMs = Date.now();
    try {
      const meta = {
        v: ENVELOPE_VERSION,
        host: this.hostId,
        bootId: this.bootId,
        probe: probeId,
        seq: p.seq,
        clock: { monoNs, realNs },
        counters: this.safeCounters(),
      };
      const skew = this.skewNs;
      this.nc.publish(Subjects.events(probeId, this.hostId), p.out.finish(meta, skew === 0n ? undefined : (r) => skewRecords(r, skew)));
      this.batchesPublished++;
      this.recordsPublished += n;
      this.releasedBytes += n * RECORD_SIZE;
      if (this.releasedBytes >= GC_EVERY_BYTES) {
        this.releasedBytes = 0;
        collectYoungGeneration();
      }
    } catch (e: unknown) {
      this.batchPublishFailures++;
      this.log.warn({ err: e, probeId, seq: p.seq }, 'event publish failed (counted as a lost batch by the controller)');
    }
  }

  /** Stops every probe, closes the tracer, drains NATS (unless keepConnection). Idempotent. */
  async close(opts: { closeTracer?: boolean; drain?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    for (const id of [...this.probes.keys()]) this.stopProbe(id, 'agent shutdown');
    for (const s of this.subs) s.unsubscribe();
    if (opts.closeTracer ?? true) await this.tracer.close();
    if ((opts.drain ?? true) && !this.nc.isClosed()) {
      try {
        await this.nc.drain();
      } catch (e: unknown) {
        this.log.warn({ err: e }, 'NATS drain failed');
      }
    }
    this.log.info('agent closed');
  }
}
