/**
 * Runs scheduled probes. One Scheduler runs in every controller; each due run is claimed
 * exactly once across controllers through JetStream KV (see run-claim.ts), executed by the
 * winner through the injected `runProbe`, and taken over by another controller if the
 * winner dies mid-run. Every probe first takes its slots under the fleet-wide caps
 * (fleet-probe-semaphore.ts); a pair waiting for them is `queued` in the run's claim.
 */
import type { KV, KvEntry, NatsConnection, QueuedIterator } from 'nats';
import { pino, type Logger } from 'pino';
import { SCHEDULES_BUCKET, XtraceError, errorMessage } from '@xtrace/proto';
import { watchBucket } from './jetstream-watch.js';
import { DEFAULT_RUN_CLAIM_TTL_MS, openScheduleRunsKv, openSchedulesKv, type JetStreamPlacement } from './kv-buckets.js';
import { KvLease, LostLeaseError } from './kv-lease.js';
import { LeaseExpiry } from './lease-expiry.js';
import { resolvePairSelector, type AgentInventory, type ResolvedPair } from './pair-selector.js';
import type { ProbeReport } from './probe-report.js';
import { FleetProbeSemaphore, type ProbeCaps, type ReleaseSlots } from './fleet-probe-semaphore.js';
import { createClaim, decodeClaim, runKey, type ClaimHandle, type RunClaim, type RunClaimPair } from './run-claim.js';
import { slotStart, type ParsedSchedule, type ScheduleProto } from './schedule.js';
import { decodeSchedule } from './schedule-store.js';

export interface RunProbeOptions {
  probeId: string;
  durationMs: number;
  proto?: ScheduleProto;
  /** aborted when this controller loses the run (or stops) */
  signal: AbortSignal;
  schedule: string;
  slot: number;
  attempt: number;
}

/** Injected: start a probe on a pair, resolve with its summary report when it ends. */
export type RunProbeFn = (pair: ResolvedPair, opts: RunProbeOptions) => Promise<ProbeReport>;

export type SchedulerEvent =
  | { type: 'claimed' | 'takeover' | 'lost' | 'run-done' | 'released'; key: string; schedule: string; slot: number }
  | { type: 'slot-lost'; key: string; purpose: string }
  | { type: 'pair-queued' | 'pair-started' | 'pair-done' | 'pair-failed'; key: string; schedule: string; slot: number; pair: ResolvedPair; error?: string };

interface SchedulerOptions {
  nc: NatsConnection;
  /** unique per controller process */
  controllerId: string;
  runProbe: RunProbeFn;
  inventory: AgentInventory;
  /** concurrent scheduled probes per agent and in the whole fleet, across every controller (default 2 and 32) */
  caps?: ProbeCaps;
  /** a claim unchanged for this long is considered abandoned (default 10 s); heartbeats every lease/3 */
  leaseMs?: number;
  /** the same for a probe slot (default: leaseMs) */
  slotLeaseMs?: number;
  /** how often due runs and abandoned claims are checked (default 200 ms) */
  tickMs?: number;
  /** max_age of the claims bucket when this scheduler creates it */
  claimTtlMs?: number;
  /** how the schedules, claims and slots buckets are stored when this scheduler creates them */
  placement?: JetStreamPlacement;
  /** receives each pair's summary report (e.g. HistoryStore.append) */
  onReport?: (report: ProbeReport, pair: ResolvedPair) => void | Promise<void>;
  onEvent?: (ev: SchedulerEvent) => void;
  logger?: Logger;
  now?: () => number;
}

interface ActiveRun {
  handle: ClaimHandle;
  abort: AbortController;
  done: Promise<void>;
}

interface RunStatus {
  key: string;
  schedule: string;
  slot: number;
  pairs: { src: string; dst: string; state: RunClaimPair['state'] }[];
}

/** How long after its start a slot can still be claimed, at least (claimableForMs). */
export const LATE_CLAIM_MS = 60_000;

/**
 * How long after its start a slot may still be claimed: 2 periods (a stall past one slot), and at
 * least LATE_CLAIM_MS, so that a short period does not lose slots to a JetStream outage of a few
 * request timeouts (a cluster electing leaders, a lone server restarting). Always less than the
 * claims' TTL: a claim that a timed-out attempt may have created still exists when the last
 * attempt asks, so a slot never runs twice.
 */
export function claimableForMs(everyMs: number, claimTtlMs: number): number {
  return Math.min(Math.max(2 * everyMs, LATE_CLAIM_MS), claimTtlMs - 1);
}

export class Scheduler {
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly leaseMs: number;
  private readonly tickMs: number;
  private slotsInstance?: FleetProbeSemaphore;
  private schedulesKv?: KV;
  private runsKv?: KV;
  private watch?: QueuedIterator<KvEntry>;
  private readonly schedules = new Map<string, ParsedSchedule>();
  /** per schedule: slots this controller claimed or saw claimed (JetStream answered) */
  private readonly attempted = new Map<string, Set<number>>();
  /** claims of other controllers, watched for an expired lease */
  private readonly observed = new LeaseExpiry();
  private readonly active = new Map<string, ActiveRun>();
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private startedAt = 0;
  private lastObservedCheck = 0;
  private dead = false;
  private claimTtlMs: number;
  private readonly warnedTtl = new Set<string>();

  constructor(private readonly opts: SchedulerOptions) {
    this.log = opts.logger ?? pino({ name: 'xtrace-scheduler', level: process.env['XTRACE_LOG_LEVEL'] ?? 'info' });
    this.now = opts.now ?? Date.now;
    this.leaseMs = opts.leaseMs ?? 10_000;
    this.tickMs = opts.tickMs ?? 200;
    this.claimTtlMs = opts.claimTtlMs ?? DEFAULT_RUN_CLAIM_TTL_MS;
  }

  /** per running pair (slot purpose): aborts its probe when one of its slot leases is lost */
  private readonly slotLost = new Map<string, AbortController>();

  async start(): Promise<void> {
    const placement = this.opts.placement ?? {};
    this.schedulesKv = await openSchedulesKv(this.opts.nc, placement);
    this.runsKv = await openScheduleRunsKv(this.opts.nc, this.claimTtlMs, placement);
    // the bucket may predate us with another max_age: that one is what counts
    const ttl = (await this.runsKv.status()).ttl;
    if (ttl > 0) this.claimTtlMs = ttl;
    this.slotsInstance = await FleetProbeSemaphore.open({
      nc: this.opts.nc,
      placement,
      controllerId: this.opts.controllerId,
      leaseMs: this.opts.slotLeaseMs ?? this.leaseMs,
      logger: this.log,
      onLost: (key, purpose) => {
        this.emit({ type: 'slot-lost', key, purpose });
        // the slot may be another controller's now: stop the probe it covered, so the cap holds
        this.slotLost.get(purpose)?.abort();
      },
      ...(this.opts.caps !== undefined ? { caps: this.opts.caps } : {}),
      ...(this.opts.now !== undefined ? { now: this.opts.now } : {}),
    });
    this.startedAt = this.now();
    this.watch = await watchBucket(this.opts.nc, SCHEDULES_BUCKET);
    void this.followSchedules(this.watch);
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    void this.tick();
  }

  /** The fleet-wide probe caps (after start). */
  get slots(): FleetProbeSemaphore {
    if (this.slotsInstance === undefined) throw new XtraceError('internal', 'the scheduler has not started');
    return this.slotsInstance;
  }

  /** Known schedules (as last seen in KV). */
  knownSchedules(): ParsedSchedule[] {
    return [...this.schedules.values()];
  }

  /** Runs this controller owns right now, with each pair's state (queued ones included). */
  status(): RunStatus[] {
    return [...this.active.entries()].map(([key, a]) => ({
      key,
      schedule: a.handle.value.schedule,
      slot: a.handle.value.slot,
      pairs: (a.handle.value.pairs ?? []).map((p) => ({ src: p.src, dst: p.dst, state: p.state })),
    }));
  }

  /** Graceful stop: hand the runs this controller owns back at once (others take them over). */
  async stop(): Promise<void> {
    this.halt();
    const runs = [...this.active.values()];
    for (const r of runs) r.abort.abort();
    await Promise.all(runs.map((r) => r.done));
    await this.slotsInstance?.stop();
    await Promise.all(
      runs.map(async (r) => {
        if (r.handle.value.state !== 'running') return;
        try {
          await r.handle.write((c) => {
            c.state = 'released';
            c.heartbeatAt = this.now();
          });
          this.emit({ type: 'released', key: r.handle.key, schedule: r.handle.value.schedule, slot: r.handle.value.slot });
        } catch (e: unknown) {
          this.log.warn({ key: r.handle.key, err: errorMessage(e) }, 'could not release run claim');
        }
      }),
    );
  }

  /** Abrupt death (tests; a crashed process): no more writes, claims left to expire. */
  kill(): void {
    this.dead = true;
    this.halt();
    this.slotsInstance?.kill();
    for (const r of this.active.values()) {
      r.handle.close();
      r.abort.abort();
    }
  }

  private halt(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.watch?.stop();
  }

  private async followSchedules(it: QueuedIterator<KvEntry>): Promise<void> {
    try {
      for await (const e of it) {
        if (e.operation !== 'PUT') {
          this.schedules.delete(e.key);
          continue;
        }
        try {
          this.schedules.set(e.key, decodeSchedule(e.value, e.key));
        } catch (err: unknown) {
          this.log.error({ key: e.key, err: errorMessage(err) }, 'ignoring invalid schedule');
          this.schedules.delete(e.key);
        }
      }
    } catch (e: unknown) {
      if (!this.dead) this.log.error({ err: errorMessage(e) }, 'schedule watch ended');
    }
  }

  private emit(ev: SchedulerEvent): void {
    try {
      this.opts.onEvent?.(ev);
    } catch (e: unknown) {
      this.log.warn({ err: errorMessage(e) }, 'scheduler event listener threw');
    }
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.timer === undefined || this.dead) return;
    this.ticking = true;
    try {
      const now = this.now();
      for (const s of this.schedules.values()) {
        if (s.paused) continue;
        if (2 * s.everyMs >= this.claimTtlMs) {
          // a claim must outlive the slots we may still try to claim, or a run could repeat
          if (!this.warnedTtl.has(s.name)) this.log.error({ schedule: s.name, every: s.every }, 'schedule period too long for the run-claim TTL; skipped');
          this.warnedTtl.add(s.name);
          continue;
        }
        const cur = slotStart(s.everyMs, s.createdAt, now);
        if (cur === undefined) continue;
        let tried = this.attempted.get(s.name);
        if (tried === undefined) this.attempted.set(s.name, (tried = new Set()));
        const lateLimit = claimableForMs(s.everyMs, this.claimTtlMs);
        for (const old of tried) if (now >= old + lateLimit) tried.delete(old);
        // Every slot still claimable that this controller has not had an answer for: the current
        // one, one a stall (or a start just after it) skipped, one whose claim JetStream did not
        // answer (a cluster electing leaders, a lone server restarting). Slots that ended before
        // this controller started are not its to catch up. The claim makes each run only once.
        const first = Math.max(s.createdAt, cur - Math.floor((lateLimit - 1) / s.everyMs) * s.everyMs);
        for (let slot = first; slot <= cur; slot += s.everyMs) {
          if (slot + s.everyMs < this.startedAt || now >= slot + lateLimit || tried.has(slot)) continue;
          // a throw (JetStream did not answer) leaves this and later slots untried: next tick
          await this.tryClaim(s, slot);
          tried.add(slot);
        }
      }
      if (now - this.lastObservedCheck >= Math.min(500, this.leaseMs / 4)) {
        this.lastObservedCheck = now;
        await this.checkObserved();
      }
    } catch (e: unknown) {
      if (!this.dead) this.log.error({ err: errorMessage(e) }, 'scheduler tick failed');
    } finally {
      this.ticking = false;
    }
  }

  private async tryClaim(watched: ParsedSchedule, slot: number): Promise<void> {
    // The watch may lag (its consumer is recreated after a cluster node died): the schedule as
    // stored now decides, so a paused, removed or changed schedule does not fire.
    const stored = await (this.schedulesKv as KV).get(watched.name);
    if (stored === null || stored.operation !== 'PUT') {
      this.schedules.delete(watched.name);
      return;
    }
    const s = decodeSchedule(stored.value, stored.key);
    this.schedules.set(s.name, s);
    if (s.paused || s.everyMs !== watched.everyMs || s.createdAt !== watched.createdAt) return;
    const kv = this.runsKv as KV;
    const now = this.now();
    const claim: RunClaim = {
      schedule: s.name,
      slot,
      durationMs: s.durationMs,
      owner: this.opts.controllerId,
      leaseMs: this.leaseMs,
      heartbeatAt: now,
      state: 'running',
      startedAt: now,
      takeovers: 0,
      pairs: null,
    };
    if (s.proto !== undefined) claim.proto = s.proto;
    const handle = await createClaim(kv, claim);
    if (handle === undefined) {
      this.observed.track(runKey(s.name, slot), now);
      return;
    }
    this.emit({ type: 'claimed', key: handle.key, schedule: s.name, slot });
    this.launch(handle, s);
  }

  private async checkObserved(): Promise<void> {
    const kv = this.runsKv as KV;
    for (const key of this.observed.keys()) {
      if (this.active.has(key)) {
        this.observed.forget(key);
        continue;
      }
      const e = await kv.get(key);
      if (e === null || e.operation !== 'PUT') {
        this.observed.forget(key);
        continue;
      }
      const claim = decodeClaim(e.value);
      if (claim.state === 'done') {
        this.observed.forget(key);
        continue;
      }
      const now = this.now();
      if (claim.state !== 'released' && !this.observed.expired(key, e.revision, claim.leaseMs, now)) continue;
      // Abandoned (lease expired on our clock) or handed back: take it over by CAS.
      const next = structuredClone(claim);
      next.owner = this.opts.controllerId;
      next.heartbeatAt = now;
      next.state = 'running';
      next.takeovers += 1;
      next.leaseMs = this.leaseMs;
      for (const p of next.pairs ?? []) if (p.state === 'running' || p.state === 'queued') p.state = 'pending';
      const handle = await KvLease.takeOver(kv, key, next, e.revision);
      if (handle === undefined) {
        this.observed.restart(key, now);
        continue;
      }
      this.observed.forget(key);
      this.log.warn({ key, previousOwner: claim.owner, takeovers: next.takeovers }, 'took over an abandoned scheduled run');
      this.emit({ type: 'takeover', key, schedule: claim.schedule, slot: claim.slot });
      this.launch(handle, this.schedules.get(claim.schedule));
    }
  }

  private launch(handle: ClaimHandle, schedule: ParsedSchedule | undefined): void {
    const abort = new AbortController();
    const run: ActiveRun = { handle, abort, done: Promise.resolve() };
    this.active.set(handle.key, run);
    run.done = this.execute(run, schedule).finally(() => this.active.delete(handle.key));
  }

  private async execute(run: ActiveRun, schedule: ParsedSchedule | undefined): Promise<void> {
    const { handle, abort } = run;
    const { schedule: name, slot } = handle.value;
    const lost = (e: unknown) => {
      if (e instanceof LostLeaseError) {
        if (!this.dead) {
          this.log.warn({ key: handle.key }, 'lost a scheduled run to another controller');
          this.emit({ type: 'lost', key: handle.key, schedule: name, slot });
        }
      } else if (!this.dead) {
        this.log.error({ key: handle.key, err: errorMessage(e) }, 'run claim write failed');
      }
      abort.abort();
    };
    const heartbeat = setInterval(() => {
      handle.write((c) => void (c.heartbeatAt = this.now())).catch(lost);
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    try {
      if (handle.value.pairs === null) {
        let pairs: ResolvedPair[] = [];
        let error: string | undefined;
        if (schedule === undefined) error = 'schedule was removed before the run started';
        else {
          try {
            pairs = resolvePairSelector(schedule.pairs, await this.opts.inventory.listAgents(), slot);
            if (pairs.length === 0) error = 'the pair selector matched no pairs';
          } catch (e: unknown) {
            error = `inventory: ${errorMessage(e)}`;
          }
        }
        await handle.write((c) => {
          c.pairs = pairs.map((p) => ({ ...p, state: 'pending', attempts: 0 }));
          if (error !== undefined) c.error = error;
        });
      }
      const pending = (handle.value.pairs ?? []).map((p, i) => [p, i] as const).filter(([p]) => p.state === 'pending');
      await Promise.all(pending.map(([p, i]) => this.runPair(handle, i, p, abort.signal)));
      if (abort.signal.aborted) return;
      await handle.write((c) => {
        c.state = 'done';
        c.finishedAt = this.now();
      });
      this.emit({ type: 'run-done', key: handle.key, schedule: name, slot });
    } catch (e: unknown) {
      lost(e);
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async runPair(handle: ClaimHandle, index: number, p: RunClaimPair, signal: AbortSignal): Promise<void> {
    const pair: ResolvedPair = { src: p.src, dst: p.dst };
    if (p.srcHost !== undefined) pair.srcHost = p.srcHost;
    if (p.dstHost !== undefined) pair.dstHost = p.dstHost;
    const { schedule, slot, durationMs, proto } = handle.value;
    const base = { key: handle.key, schedule, slot, pair };
    const agents = [p.srcHost ?? p.src, p.dstHost ?? p.dst];
    const setPair = (mutate: (cp: RunClaimPair) => void) =>
      handle.write((c) => {
        const cp = c.pairs?.[index];
        if (cp !== undefined) mutate(cp);
      });
    let queued: Promise<void> | undefined;
    let release: ReleaseSlots;
    const purpose = `${handle.key}#${index}`;
    try {
      release = await this.slots.acquire(agents, {
        purpose,
        signal,
        onQueued: () => {
          queued = setPair((cp) => void (cp.state = 'queued'));
          queued.catch(() => undefined); // awaited below once the slots are granted
          this.emit({ type: 'pair-queued', ...base });
        },
      });
    } catch (e: unknown) {
      if (signal.aborted) return;
      throw e;
    }
    const slotLost = new AbortController();
    this.slotLost.set(purpose, slotLost);
    try {
      await queued;
      const attempt = p.attempts + 1;
      const probeId = `sched-${schedule}-${slot}-${index}-${attempt}`;
      await setPair((cp) => {
        cp.state = 'running';
        cp.attempts = attempt;
        cp.probeId = probeId;
        cp.by = this.opts.controllerId;
      });
      this.emit({ type: 'pair-started', ...base });
      const probeOpts: RunProbeOptions = { probeId, durationMs, signal: AbortSignal.any([signal, slotLost.signal]), schedule, slot, attempt };
      if (proto !== undefined) probeOpts.proto = proto;
      const fail = async (error: string): Promise<void> => {
        await setPair((cp) => {
          cp.state = 'failed';
          cp.error = error;
          cp.finishedAt = this.now();
        });
        this.emit({ type: 'pair-failed', ...base, error });
      };
      const SLOT_LOST = 'stopped: its probe slot lease was lost (this controller stalled past it), so the cap could be exceeded';
      let report: ProbeReport;
      try {
        report = await this.opts.runProbe(pair, probeOpts);
      } catch (e: unknown) {
        if (signal.aborted) return;
        await fail(slotLost.signal.aborted ? SLOT_LOST : errorMessage(e));
        return;
      }
      if (signal.aborted) return;
      if (slotLost.signal.aborted) {
        await fail(SLOT_LOST);
        return;
      }
      // Record first in the claim (the run's truth), then hand the report on.
      await setPair((cp) => {
        cp.state = 'done';
        cp.finishedAt = this.now();
        cp.segments = report.segments.length;
        cp.lost = report.segments.reduce((n, s) => n + (s.lost ?? 0), 0);
      });
      this.emit({ type: 'pair-done', ...base });
      try {
        await this.opts.onReport?.(report, pair);
      } catch (e: unknown) {
        this.log.error({ key: handle.key, err: errorMessage(e) }, 'storing a scheduled probe report failed');
      }
    } finally {
      this.slotLost.delete(purpose);
      await release();
    }
  }
}
