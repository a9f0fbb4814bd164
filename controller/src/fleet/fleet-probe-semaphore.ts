/**
 * Caps on concurrent scheduled probes that hold across every controller: a counting semaphore
 * in the JetStream KV bucket `xtrace_probe_slots` (not the agent's BPF probe slots,
 * node-agent/src/bpf-slot-allocator.ts). A probe on a pair needs one slot of the
 * fleet (`fleet.<i>`, i < caps.fleet) and one of each agent it touches
 * (`agent.<host>.<j>`, j < caps.perAgent); each slot is a KvLease held by the controller
 * running the probe and renewed every lease/3, deleted when the probe ends.
 *
 * - All or nothing: a request takes its slots one by one and gives back what it took as soon
 *   as one group is full, so two controllers never wait on each other's half (no deadlock).
 * - Queue: requests wait in FIFO order per controller; one that fits may pass a waiting one
 *   only if it does not share its agents, so a busy host does not stall the rest of the fleet.
 *   A waiting request is told once (onQueued), so its run can report it as queued.
 * - Each controller follows the bucket with a KV watch (a local mirror): free slots are found
 *   without a round trip per slot; a released slot wakes the waiters at once.
 * - A controller that dies stops renewing: a waiter that has seen a slot's revision unchanged
 *   for longer than its lease (LeaseExpiry, its own clock) takes it over by compare-and-set.
 *   A dead controller's slots are thus free again within about 1.25 leases.
 *
 * Every controller must run with the same caps: a slot index above another controller's cap
 * is only used by the controllers configured with more.
 */
import type { KV, KvEntry, NatsConnection, QueuedIterator } from 'nats';
import { pino, type Logger } from 'pino';
import { DEFAULT_PROBE_CAPS, PROBE_SLOTS_BUCKET, UsageError, XtraceError, errorMessage, type ProbeCaps } from '@xtrace/proto';
import { watchBucket } from './jetstream-watch.js';
import { decodeJson, openProbeSlotsKv, type JetStreamPlacement } from './kv-buckets.js';
import { KvLease, LostLeaseError } from './kv-lease.js';
import { LeaseExpiry } from './lease-expiry.js';

export { type ProbeCaps } from '@xtrace/proto';

/** The value of a held slot. */
interface SlotHolder {
  /** controller id */
  holder: string;
  /** what holds it, e.g. the scheduled run and pair index */
  purpose: string;
  agents: string[];
  leaseMs: number;
  /** holder's clock, for people reading the bucket (expiry never uses it) */
  renewedAt: number;
}

interface FleetProbeSemaphoreOptions {
  nc: NatsConnection;
  /** how the slots bucket is stored when this controller creates it */
  placement?: JetStreamPlacement;
  /** unique per controller process */
  controllerId: string;
  caps?: ProbeCaps;
  /** a slot unchanged for this long is free again (default 10 s); renewed every lease/3 */
  leaseMs?: number;
  /** a slot this controller held was taken over (it stalled past its lease) */
  onLost?: (key: string, purpose: string) => void;
  logger?: Logger;
  now?: () => number;
}

interface AcquireOptions {
  purpose: string;
  signal?: AbortSignal;
  /** called once if the request cannot be granted at once */
  onQueued?: () => void;
}

/** Resolves when its slots are deleted (or found lost). */
export type ReleaseSlots = () => Promise<void>;

class AbortedError extends XtraceError {
  constructor(message = 'aborted') {
    super('internal', message);
  }
}

interface Mirrored {
  revision: number;
  /** undefined: deleted */
  value?: SlotHolder;
}

interface Waiter {
  agents: string[];
  opts: AcquireOptions;
  resolve: (release: ReleaseSlots) => void;
  reject: (e: unknown) => void;
  onAbort: () => void;
  told: boolean;
  done: boolean;
}

interface Grant {
  purpose: string;
  leases: KvLease<SlotHolder>[];
  timer: NodeJS.Timeout;
}

type Take = { leases: KvLease<SlotHolder>[] } | { full: 'fleet' | 'agent' };

/** slots of one group (an agent's, or the fleet's) that could be had */
interface Candidates {
  free: string[];
  abandoned: string[];
}

/** Slot-key form of a host id: [A-Za-z0-9_-] kept, any other byte as =XX (reversible, no collisions). */
function slotKeyToken(host: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(host)) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9_-]/.test(c) ? c : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out === '' ? '=' : out;
}

function fleetSlotKey(i: number): string {
  return `fleet.${i}`;
}

function agentSlotKey(host: string, j: number): string {
  return `agent.${slotKeyToken(host)}.${j}`;
}

function checkCaps(caps: ProbeCaps): void {
  for (const f of ['perAgent', 'fleet'] as const) {
    if (!Number.isInteger(caps[f]) || caps[f] < 1) throw new UsageError(`caps.${f}`, `must be a whole number >= 1, got ${caps[f]}`);
  }
}

export class FleetProbeSemaphore {
  readonly caps: ProbeCaps;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly leaseMs: number;
  private readonly mirror = new Map<string, Mirrored>();
  private readonly expiry = new LeaseExpiry();
  private readonly queue: Waiter[] = [];
  /** slot keys this controller holds */
  private readonly held = new Map<string, Grant>();
  private watch?: QueuedIterator<KvEntry>;
  private expiryTimer?: NodeJS.Timeout;
  private pumping = false;
  private pumpAgain = false;
  private stopped = false;

  private constructor(
    private readonly kv: KV,
    private readonly opts: FleetProbeSemaphoreOptions,
  ) {
    this.caps = { ...(opts.caps ?? DEFAULT_PROBE_CAPS) };
    this.log = opts.logger ?? pino({ name: 'xtrace-probe-slots', level: process.env['XTRACE_LOG_LEVEL'] ?? 'info' });
    this.now = opts.now ?? Date.now;
    this.leaseMs = opts.leaseMs ?? 10_000;
  }

  /** Opens the bucket and loads its current state before returning. */
  static async open(opts: FleetProbeSemaphoreOptions): Promise<FleetProbeSemaphore> {
    if (opts.caps !== undefined) checkCaps(opts.caps); // before the bucket is opened
    const s = new FleetProbeSemaphore(await openProbeSlotsKv(opts.nc, opts.placement), opts);
    await s.follow();
    return s;
  }

  /** Probes holding slots here, and requests waiting here. */
  stats(): { running: number; queued: number } {
    return { running: new Set([...this.held.values()]).size, queued: this.queue.length };
  }

  /** Resolves with the release function once a fleet slot and a slot of every agent are held. */
  acquire(agents: string[], opts: AcquireOptions): Promise<ReleaseSlots> {
    if (this.stopped) return Promise.reject(new AbortedError('probe slots are closed'));
    if (opts.signal?.aborted) return Promise.reject(new AbortedError());
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        agents: [...new Set(agents)].sort(),
        opts,
        resolve: (release) => {
          opts.signal?.removeEventListener('abort', w.onAbort);
          resolve(release);
        },
        reject,
        onAbort: () => {
          if (w.done) return;
          w.done = true;
          const i = this.queue.indexOf(w);
          if (i >= 0) this.queue.splice(i, 1);
          reject(new AbortedError());
        },
        told: false,
        done: false,
      };
      opts.signal?.addEventListener('abort', w.onAbort, { once: true });
      this.queue.push(w);
      void this.pump();
    });
  }

  /** Graceful: release every slot held here, turn waiters away. */
  async stop(): Promise<void> {
    this.halt();
    await Promise.all([...new Set(this.held.values())].map((g) => this.releaseGrant(g)));
  }

  /** Abrupt death (tests; a crashed process): no more writes, held slots left to expire. */
  kill(): void {
    this.halt();
    for (const g of this.held.values()) {
      clearInterval(g.timer);
      for (const l of g.leases) l.close();
    }
    this.held.clear();
  }

  private halt(): void {
    this.stopped = true;
    this.watch?.stop();
    if (this.expiryTimer !== undefined) clearInterval(this.expiryTimer);
    this.expiryTimer = undefined;
    for (const w of this.queue.splice(0)) {
      w.done = true;
      w.reject(new AbortedError('probe slots are closed'));
    }
  }

  private async follow(): Promise<void> {
    let initialized!: () => void;
    const ready = new Promise<void>((r) => (initialized = r));
    this.watch = await watchBucket(this.opts.nc, PROBE_SLOTS_BUCKET, { initializedFn: () => initialized() });
    const it = this.watch;
    void (async () => {
      try {
        for await (const e of it) this.mirrorEntry(e);
      } catch (e: unknown) {
        if (!this.stopped) this.log.error({ err: errorMessage(e) }, 'probe slot watch ended');
      }
    })();
    await ready;
    // waiters must notice slots whose holder stopped renewing
    this.expiryTimer = setInterval(() => {
      if (this.queue.length > 0) void this.pump();
    }, Math.max(50, Math.floor(this.leaseMs / 4)));
  }

  private mirrorEntry(e: KvEntry): void {
    const known = this.mirror.get(e.key);
    if (known !== undefined && e.revision <= known.revision) return;
    if (e.operation === 'PUT') {
      let value: SlotHolder | undefined;
      try {
        value = decodeJson(e.value) as SlotHolder;
      } catch {
        this.log.warn({ key: e.key }, 'probe slot value is not JSON; treating it as held');
        value = { holder: '?', purpose: '?', agents: [], leaseMs: this.leaseMs, renewedAt: 0 };
      }
      this.mirror.set(e.key, { revision: e.revision, value });
      this.expiry.expired(e.key, e.revision, value.leaseMs, this.now());
    } else {
      this.mirror.set(e.key, { revision: e.revision });
      this.expiry.forget(e.key);
      if (this.queue.length > 0) void this.pump();
    }
  }

  /** Grants what fits, in queue order; single-flight (a call while running makes it go again). */
  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        const blocked = new Set<string>();
        const pass = [...this.queue];
        for (const w of pass) {
          if (this.stopped) return;
          if (w.done || w.agents.some((a) => blocked.has(a))) continue;
          let take: Take;
          try {
            take = await this.tryTake(w);
          } catch (e: unknown) {
            this.log.error({ err: errorMessage(e), purpose: w.opts.purpose }, 'taking probe slots failed; will retry');
            break;
          }
          if ('full' in take) {
            if (take.full === 'fleet') break;
            for (const a of w.agents) blocked.add(a);
            continue;
          }
          const i = this.queue.indexOf(w);
          if (i >= 0) this.queue.splice(i, 1);
          const grant = this.hold(w.opts.purpose, take.leases);
          if (w.done) {
            // aborted while its slots were being taken
            await this.releaseGrant(grant);
            continue;
          }
          w.done = true;
          w.resolve(() => this.releaseGrant(grant));
        }
        // told once it had to wait (a request that came in during this pass is tried first)
        for (const w of pass) {
          if (w.told || w.done) continue;
          w.told = true;
          try {
            w.opts.onQueued?.();
          } catch (e: unknown) {
            this.log.warn({ err: errorMessage(e) }, 'onQueued threw');
          }
        }
      } while (this.pumpAgain && !this.stopped);
    } finally {
      this.pumping = false;
    }
  }

  /**
   * One slot of each agent, then one of the fleet; nothing is tried unless the mirror shows a
   * candidate in every group, and what was taken goes back if a group turns out full.
   */
  private async tryTake(w: Waiter): Promise<Take> {
    const now = this.now();
    const groups: ({ kind: 'agent' | 'fleet' } & Candidates)[] = w.agents.map((a) => ({
      kind: 'agent',
      ...this.candidates(Array.from({ length: this.caps.perAgent }, (_, j) => agentSlotKey(a, j)), now),
    }));
    groups.push({ kind: 'fleet', ...this.candidates(Array.from({ length: this.caps.fleet }, (_, i) => fleetSlotKey(i)), now) });
    const none = groups.find((g) => g.free.length === 0 && g.abandoned.length === 0);
    if (none !== undefined) return { full: none.kind };
    const value: SlotHolder = { holder: this.opts.controllerId, purpose: w.opts.purpose, agents: w.agents, leaseMs: this.leaseMs, renewedAt: now };
    const taken: KvLease<SlotHolder>[] = [];
    try {
      for (const g of groups) {
        const lease = await this.takeOne(g, value, now);
        if (lease === undefined) {
          await Promise.all(taken.map((l) => this.giveBack(l)));
          return { full: g.kind };
        }
        taken.push(lease);
      }
    } catch (e: unknown) {
      await Promise.all(taken.map((l) => this.giveBack(l)));
      throw e;
    }
    return { leases: taken };
  }

  /** Slots of a group that look free in the mirror, and those whose holder let the lease expire. */
  private candidates(keys: string[], now: number): Candidates {
    const free: string[] = [];
    const abandoned: string[] = [];
    for (const k of keys) {
      if (this.held.has(k)) continue;
      const m = this.mirror.get(k);
      if (m?.value === undefined) free.push(k);
      else if (this.expiry.expired(k, m.revision, m.value.leaseMs, now)) abandoned.push(k);
    }
    return { free, abandoned };
  }

  /** The first free slot that can be created, else the first abandoned one taken over. */
  private async takeOne(g: Candidates, value: SlotHolder, now: number): Promise<KvLease<SlotHolder> | undefined> {
    const { free, abandoned } = g;
    for (const k of free) {
      const lease = await KvLease.create(this.kv, k, value);
      if (lease !== undefined) return this.mirrorOwn(lease);
    }
    for (const k of abandoned) {
      const m = this.mirror.get(k) as Mirrored;
      const lease = await KvLease.takeOver(this.kv, k, value, m.revision);
      if (lease !== undefined) {
        this.log.warn({ key: k, previousHolder: m.value?.holder, purpose: m.value?.purpose }, 'took over an abandoned probe slot');
        return this.mirrorOwn(lease);
      }
      this.expiry.restart(k, now);
    }
    return undefined;
  }

  /** Our own write is known before the watch echoes it (so the next request does not try it). */
  private mirrorOwn(lease: KvLease<SlotHolder>): KvLease<SlotHolder> {
    this.mirror.set(lease.key, { revision: lease.lastRevision, value: lease.value });
    return lease;
  }

  private async giveBack(lease: KvLease<SlotHolder>): Promise<void> {
    try {
      await lease.release();
    } catch (e: unknown) {
      this.log.warn({ key: lease.key, err: errorMessage(e) }, 'giving a probe slot back failed (it expires with its lease)');
    }
    this.markFree(lease.key);
  }

  private markFree(key: string): void {
    const m = this.mirror.get(key);
    if (m !== undefined && m.value?.holder === this.opts.controllerId) this.mirror.set(key, { revision: m.revision });
  }

  private hold(purpose: string, leases: KvLease<SlotHolder>[]): Grant {
    const grant: Grant = {
      purpose,
      leases,
      timer: setInterval(() => this.renew(grant), Math.max(50, Math.floor(this.leaseMs / 3))),
    };
    for (const l of leases) this.held.set(l.key, grant);
    return grant;
  }

  private renew(grant: Grant): void {
    for (const l of grant.leases) {
      if (!l.held) continue;
      l.write((v) => void (v.renewedAt = this.now())).catch((e: unknown) => {
        if (e instanceof LostLeaseError) {
          this.log.warn({ key: l.key, purpose: grant.purpose }, 'a probe slot held here was taken over (this controller stalled past its lease)');
          if (this.held.get(l.key) === grant) this.held.delete(l.key);
          this.opts.onLost?.(l.key, grant.purpose);
        } else if (!this.stopped) {
          this.log.warn({ key: l.key, err: errorMessage(e) }, 'renewing a probe slot failed; retrying');
        }
      });
    }
  }

  private async releaseGrant(grant: Grant): Promise<void> {
    clearInterval(grant.timer);
    await Promise.all(
      grant.leases.map(async (l) => {
        if (this.held.get(l.key) === grant) this.held.delete(l.key);
        await this.giveBack(l);
      }),
    );
    if (this.queue.length > 0) void this.pump();
  }
}
