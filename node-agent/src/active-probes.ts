/**
 * The probes running on this agent, by id and by BPF slot: each holds a slot, its filter in
 * the tracer, its lease and its outbox. Starting and updating never leave a slot
 * half-configured: a tracer failure puts back what was there.
 */
import type pino from 'pino';
import { DEFAULT_LEASE_MS, MAX_PROBES, XtraceError, errorMessage, type StartProbeCommand, type UpdateProbeCommand } from '@xtrace/proto';
import type { ProbeFilter, Tracer } from './tracing/tracer-api.js';
import { BpfSlotAllocator } from './bpf-slot-allocator.js';
import { CommandError } from './command-error.js';
import { ProbeLease } from './probe-leases.js';
import type { ProbeOutbox } from './batch-publisher.js';

export interface ActiveProbe {
  cmd: StartProbeCommand;
  slot: number;
  startedAtMs: number;
  lease: ProbeLease;
  outbox: ProbeOutbox;
  /** its filter is out of the kernel (it is stopping): see ActiveProbes.quiesce */
  quiesced?: true;
}

function sameProbe(a: StartProbeCommand, b: StartProbeCommand): boolean {
  return a.src === b.src && a.dst === b.dst && a.proto === b.proto && a.port === b.port && a.sample?.k === b.sample?.k && a.sample?.n === b.sample?.n && a.capture?.snaplen === b.capture?.snaplen;
}

function filterOf(cmd: StartProbeCommand, slot: number): ProbeFilter {
  const f: ProbeFilter = { slot, src: cmd.src, dst: cmd.dst };
  if (cmd.proto !== undefined) f.proto = cmd.proto;
  if (cmd.port !== undefined) f.port = cmd.port;
  if (cmd.sample !== undefined) {
    f.sampleN = cmd.sample.n;
    f.sampleK = cmd.sample.k;
  }
  if (cmd.capture !== undefined) f.snaplen = cmd.capture.snaplen;
  return f;
}

export class ActiveProbes {
  private readonly slots = new BpfSlotAllocator();
  private readonly byId = new Map<string, ActiveProbe>();
  private readonly bySlot = new Map<number, ActiveProbe>();
  /** probes started since the agent started (a repeated start of a running probe is not counted) */
  started = 0;

  constructor(
    private readonly tracer: Tracer,
    private readonly hostId: string,
    private readonly log: pino.Logger,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  get(probeId: string): ActiveProbe | undefined {
    return this.byId.get(probeId);
  }

  atSlot(slot: number): ActiveProbe | undefined {
    return this.bySlot.get(slot);
  }

  /** one bit per slot in use, as in a record's probe_mask */
  slotMask(): number {
    let active = 0;
    for (const slot of this.bySlot.keys()) active |= 1 << slot;
    return active >>> 0;
  }

  entries(): [string, ActiveProbe][] {
    return [...this.byId.entries()];
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  /**
   * Starts the probe in a free slot; a start of a probe already running with the same
   * parameters renews its lease and returns it. `outbox` makes the new probe's outbox.
   */
  start(cmd: StartProbeCommand, outbox: (now: number) => ProbeOutbox): ActiveProbe {
    const existing = this.byId.get(cmd.probeId);
    if (existing) {
      if (existing.quiesced) {
        // its stop is draining: answering "started" would hand back a probe that ends with that stop
        throw new CommandError('usage', `probeId: '${cmd.probeId}' is stopping on ${this.hostId}; start it again once its stop has answered, or use a new id`, [
          { field: 'probeId', message: 'is stopping' },
        ]);
      }
      if (!sameProbe(existing.cmd, cmd)) {
        throw new CommandError('usage', `probeId: '${cmd.probeId}' already runs on ${this.hostId} with other parameters`, [
          { field: 'probeId', message: 'already running with other parameters' },
        ]);
      }
      existing.lease.renew(Date.now());
      return existing;
    }
    const slot = this.slots.allocate();
    if (slot === undefined) throw new CommandError('agent', `no free probe slot on ${this.hostId} (all ${MAX_PROBES} in use)`);
    try {
      this.tracer.addProbe(filterOf(cmd, slot));
    } catch (e: unknown) {
      try {
        this.tracer.removeProbe(slot);
      } catch (cleanup: unknown) {
        this.log.warn({ err: cleanup, slot }, 'cleanup after failed addProbe failed');
      }
      this.slots.release(slot);
      throw new CommandError(e instanceof XtraceError ? e.code : 'bpf', `starting probe on ${this.hostId} failed: ${errorMessage(e)}`, undefined, { cause: e });
    }
    this.started++;
    const now = Date.now();
    const p: ActiveProbe = {
      cmd,
      slot,
      startedAtMs: now,
      lease: new ProbeLease(cmd.leaseMs ?? DEFAULT_LEASE_MS, now, cmd.durationMs),
      outbox: outbox(now),
    };
    this.byId.set(cmd.probeId, p);
    this.bySlot.set(slot, p);
    this.log.info({ probeId: cmd.probeId, slot, src: cmd.src, dst: cmd.dst, leaseMs: p.lease.leaseMs }, 'probe started');
    return p;
  }

  /** A new duration and/or sample rate for a running probe. */
  update(cmd: UpdateProbeCommand): void {
    const p = this.byId.get(cmd.probeId);
    if (!p) throw new CommandError('usage', `probeId: no probe '${cmd.probeId}' on ${this.hostId}`, [{ field: 'probeId', message: 'unknown probe' }]);
    if (cmd.durationMs !== undefined) p.lease.endAfter(Date.now(), cmd.durationMs);
    if (cmd.sample !== undefined && (cmd.sample.k !== p.cmd.sample?.k || cmd.sample.n !== p.cmd.sample?.n)) {
      const next: StartProbeCommand = { ...p.cmd, sample: cmd.sample };
      this.tracer.removeProbe(p.slot);
      try {
        this.tracer.addProbe(filterOf(next, p.slot));
        p.cmd = next;
      } catch (e: unknown) {
        // put the previous filter back: never leave the slot half-configured
        this.tracer.addProbe(filterOf(p.cmd, p.slot));
        throw new CommandError('bpf', `updating probe filter failed: ${errorMessage(e)}`, undefined, { cause: e });
      }
    }
  }

  /**
   * Removes the probe's filter: the kernel records no more for it, while what it recorded still
   * reaches its outbox (the slot stays routed until remove()).
   */
  quiesce(probeId: string, p: ActiveProbe): void {
    if (p.quiesced) return;
    p.quiesced = true;
    try {
      this.tracer.removeProbe(p.slot);
    } catch (e: unknown) {
      this.log.error({ err: e, probeId, slot: p.slot }, 'removing probe filter failed');
    }
  }

  /** Removes the probe's filter and frees its slot (its outbox is the caller's to flush first). */
  remove(probeId: string, p: ActiveProbe): void {
    this.quiesce(probeId, p);
    this.slots.release(p.slot);
    this.byId.delete(probeId);
    this.bySlot.delete(p.slot);
  }
}
