/**
 * The NATS side of the agent: registers and heartbeats (agent-status-reporter.ts), handles
 * probe commands (command-handler.ts) on its running probes (active-probes.ts), stops those
 * whose lease or duration ran out (probe-leases.ts), relays the tracer's record batches per
 * probe as msgpack envelopes (batch-publisher.ts). The kernel side is a Tracer
 * (tracing/tracer-api.ts); tests pass a FakeTracer.
 */
import type { NatsConnection, Subscription } from 'nats';
import type pino from 'pino';
import {
  HEARTBEAT_INTERVAL_MS,
  Subjects,
  type AgentInspection,
  type StartProbeCommand,
  type StartProbeResult,
} from '@xtrace/proto';
import type { Inventory, Tracer } from './tracing/tracer-api.js';
import { ActiveProbes } from './active-probes.js';
import { StatusReporter } from './agent-status-reporter.js';
import { BatchPublisher } from './batch-publisher.js';
import { CommandError } from './command-error.js';
import { CommandHandler, type AgentOperations } from './command-handler.js';
import { readKernelDropReasons } from './kernel-drop-reasons.js';
import { renewLeases } from './probe-leases.js';
import { StoppedProbes, type PublishedCounts } from './stopped-probes.js';

/**
 * How long a stop waits for the records the kernel side still holds (per-CPU batches wait up to
 * 2 flush intervals, 200 ms; a drain answers in about a millisecond on an idle agent).
 */
const STOP_DRAIN_MS = 2000;

interface AgentOptions {
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
  /** event bytes sent to NATS and not yet confirmed, at most; past it batches are dropped and counted (publish-window.ts) */
  maxUnconfirmedBytes?: number;
  /** TEST ONLY: see clockSkewFromEnv() */
  clockSkewNs?: bigint;
  /** the kernel's drop-reason names [value, name] to report; default: read from its BTF (readKernelDropReasons) */
  dropReasons?: [number, string][] | null;
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
  /** batches, and their records, dropped because NATS had not confirmed what went before (the controller counts them as lost) */
  batchesDroppedBacklog: number;
  recordsDroppedBacklog: number;
  /** event bytes published and not yet confirmed by the NATS server */
  unconfirmedBytes: number;
  probesActive: number;
  probesStarted: number;
  /** kernel counters (ringbuf_full, ...), cumulative since the tracer started */
  kernel: Record<string, number>;
  /** the tracer's stage report: which hook each stage got, or why none */
  stages: Inventory['stages'];
}

export class Agent {
  private readonly nc: NatsConnection;
  private readonly tracer: Tracer;
  readonly hostId: string;
  readonly bootId: string;
  private readonly log: pino.Logger;
  private readonly heartbeatMs: number;
  private readonly flushMs: number;
  private readonly probes: ActiveProbes;
  private readonly publisher: BatchPublisher;
  private readonly reporter: StatusReporter;
  private readonly commands: CommandHandler;
  private readonly stopped = new StoppedProbes();
  /** stops waiting for the kernel side's last records (stopProbe) */
  private readonly stopping = new Map<string, Promise<PublishedCounts | undefined>>();
  private readonly subs: Subscription[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;

  constructor(opts: AgentOptions) {
    this.nc = opts.nc;
    this.tracer = opts.tracer;
    this.hostId = opts.hostId;
    this.bootId = opts.bootId;
    this.log = opts.logger.child({ host: opts.hostId });
    this.heartbeatMs = opts.heartbeatMs ?? HEARTBEAT_INTERVAL_MS;
    this.flushMs = opts.flushMs ?? 200;
    const skewNs = opts.clockSkewNs ?? 0n;
    const dropReasons = opts.dropReasons === undefined ? readKernelDropReasons() : opts.dropReasons;
    if (!dropReasons) this.log.warn('no drop-reason names from the kernel BTF: the controller names drops by its built-in table');
    if (skewNs !== 0n) this.log.warn({ skewNs: String(skewNs) }, 'TEST ONLY clock skew applied to every record (XTRACE_CLOCK_SKEW_NS)');
    const counters = (): Record<string, number> => this.safeCounters();
    this.probes = new ActiveProbes(this.tracer, this.hostId, this.log);
    this.publisher = new BatchPublisher({
      nc: this.nc,
      hostId: this.hostId,
      bootId: this.bootId,
      log: this.log,
      maxBatchRecords: opts.maxBatchRecords ?? 8192,
      idleBatchMs: opts.idleBatchMs ?? 1000,
      skewNs,
      counters,
      ...(opts.maxUnconfirmedBytes !== undefined ? { maxUnconfirmedBytes: opts.maxUnconfirmedBytes } : {}),
    });
    this.reporter = new StatusReporter({
      nc: this.nc,
      tracer: this.tracer,
      hostId: this.hostId,
      bootId: this.bootId,
      startedAtMs: Date.now(),
      heartbeatMs: this.heartbeatMs,
      dropReasons,
      log: this.log,
      probes: () => this.probes.entries(),
      counters,
    });
    const ops: AgentOperations = {
      startProbe: (cmd) => this.startProbe(cmd),
      stopProbe: (probeId, why) => this.stopProbe(probeId, why),
      updateProbe: (cmd) => this.probes.update(cmd),
      renew: (cmd) => renewLeases(cmd, (id) => this.probes.get(id)?.lease, Date.now()),
      status: () => this.reporter.status(),
      inspect: () => this.inspect(),
    };
    this.commands = new CommandHandler(ops, this.log);
  }

  async start(): Promise<void> {
    await this.reporter.refreshInventory();
    this.tracer.onBatch((records) => this.publisher.route(records, this.probes.slotMask(), (slot) => this.probes.atSlot(slot)!.outbox));
    this.tracer.onCaptures?.((captures) => this.publisher.routeCaptures(captures, this.probes.slotMask(), (slot) => this.probes.atSlot(slot)!.outbox));
    // the kernel side broke: say so at once (the registry tells the controllers, whose reports name it)
    this.tracer.onFault((fault) => {
      this.log.error({ fault, probes: this.probes.ids() }, `tracer fault: ${fault.part}: ${fault.message}`);
      this.reporter.addFault(fault);
      this.publishStatus(Subjects.agentHeartbeat(this.hostId));
    });
    this.subs.push(
      this.nc.subscribe(Subjects.agentCmd(this.hostId), {
        callback: (err, msg) => {
          if (err) {
            this.log.error({ err }, 'command subscription failed');
            return;
          }
          void this.commands.handle(msg);
        },
      }),
      this.nc.subscribe(Subjects.registryDiscover, {
        callback: (err) => {
          if (!err) this.publishStatus(Subjects.registryAnnounce(this.hostId));
        },
      }),
    );
    this.publishStatus(Subjects.registryAnnounce(this.hostId));
    this.timers.push(
      setInterval(() => {
        void this.reporter.refreshInventory().then(() => this.publishStatus(Subjects.agentHeartbeat(this.hostId)));
      }, this.heartbeatMs),
      setInterval(() => this.tick(), Math.min(this.flushMs, 250)),
    );
    await this.nc.flush();
    this.log.info({ bootId: this.bootId }, 'agent registered');
  }

  stats(): AgentStats {
    const pub = this.publisher;
    return {
      hostId: this.hostId,
      eventsTotal: pub.eventsTotal,
      recordsPublished: pub.recordsPublished,
      batchesPublished: pub.batchesPublished,
      batchPublishFailures: pub.batchPublishFailures,
      batchesDroppedBacklog: pub.batchesDroppedBacklog,
      recordsDroppedBacklog: pub.recordsDroppedBacklog,
      unconfirmedBytes: pub.unconfirmedBytes,
      probesActive: this.probes.size,
      probesStarted: this.probes.started,
      kernel: this.safeCounters(),
      stages: this.reporter.inventory.stages,
    };
  }

  /** probe ids currently running (tests, status) */
  probeIds(): string[] {
    return this.probes.ids();
  }

  /** What the kernel side has loaded (the inspect command, xtrace inspect). */
  private inspect(): AgentInspection {
    if (this.closed) throw new CommandError('agent', `agent ${this.hostId} is shutting down`);
    if (!this.tracer.inspect) throw new CommandError('agent', 'it runs no BPF tracer: nothing to inspect');
    return { host: this.hostId, boot_id: this.bootId, error: '', ...this.tracer.inspect() };
  }

  private startProbe(cmd: StartProbeCommand): StartProbeResult {
    if (this.closed) throw new CommandError('agent', `agent ${this.hostId} is shutting down`);
    const p = this.probes.start(cmd, (now) => this.publisher.outbox(cmd.probeId, now));
    return { probeId: cmd.probeId, slot: p.slot, host: this.hostId, bootId: this.bootId };
  }

  /**
   * Removes the filter, waits for what the kernel recorded before that to reach the outbox
   * (`Tracer.drain`: per-CPU batches, the ring, the addon's batches; at most STOP_DRAIN_MS),
   * publishes the outbox, frees the slot. Returns what it published (also for a probe stopped
   * before: stopped-probes.ts), undefined when it never ran here. A stop asked again while one
   * runs gets the same answer.
   */
  private stopProbe(probeId: string, why: string): Promise<PublishedCounts | undefined> {
    const inFlight = this.stopping.get(probeId);
    if (inFlight) return inFlight;
    const p = this.probes.get(probeId);
    if (!p) return Promise.resolve(this.stopped.get(probeId));
    this.probes.quiesce(probeId, p);
    const done = this.drainTracer(probeId).then(() => {
      this.publisher.flush(p.outbox, true);
      this.probes.remove(probeId, p);
      const counts = { batches: p.outbox.seq, records: p.outbox.records };
      this.stopped.remember(probeId, counts);
      this.log.info({ probeId, why, ...counts }, 'probe stopped');
      return counts;
    });
    this.stopping.set(probeId, done);
    const forget = (): void => void this.stopping.delete(probeId);
    void done.then(forget, forget); // a failed stop is the caller's to report, not an unhandled rejection here
    return done;
  }

  /** Tracer.drain, bounded: a drain that does not answer must not hold a stop (it is logged). */
  private async drainTracer(probeId: string): Promise<void> {
    if (!this.tracer.drain) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), STOP_DRAIN_MS);
    });
    try {
      const r = await Promise.race([this.tracer.drain().then(() => 'drained' as const), late]);
      if (r === 'late') this.log.warn({ probeId, waitedMs: STOP_DRAIN_MS }, 'the kernel side did not hand over its records in time: stopping without them');
    } catch (e: unknown) {
      this.log.warn({ err: e, probeId }, 'draining the kernel side failed: stopping without its last records');
    } finally {
      clearTimeout(timer);
    }
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
    if (this.closed) return;
    this.reporter.publish(subject);
  }

  /** Stops the probes whose lease or duration ran out; publishes the others' pending (or idle) batches. */
  private tick(): void {
    const now = Date.now();
    for (const [id, p] of this.probes.entries()) {
      if (p.quiesced) continue; // its stop is draining the kernel side (ActiveProbes.start refuses it by the same flag)
      const end = p.lease.due(now);
      if (end === 'lease expired') this.log.warn({ probeId: id, leaseMs: p.lease.leaseMs }, 'probe lease expired (controller gone?): stopping it');
      if (end !== undefined) this.stopProbe(id, end).catch((e: unknown) => this.log.error({ err: e, probeId: id }, 'stopping the probe failed'));
      else this.publisher.tick(p.outbox, now);
    }
  }

  /** Stops every probe, closes the tracer, drains NATS (unless keepConnection). Idempotent. */
  async close(opts: { closeTracer?: boolean; drain?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    await Promise.all(this.probes.ids().map((id) => this.stopProbe(id, 'agent shutdown')));
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
