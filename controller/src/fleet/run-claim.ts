/**
 * One scheduled run's claim in KV `xtrace_schedule_runs`, key `run.<schedule>.<slotStartMs>`.
 *
 * Exactly-once across controllers: every controller tries `kv.create(key)` when a slot is due;
 * JetStream lets exactly one create succeed. The winner owns the run and heartbeats by rewriting
 * the claim with `kv.update(key, value, revision)` (compare-and-set). If the owner dies, the
 * revision stops changing; a controller that has seen the same revision for longer than the
 * lease takes the run over with the same compare-and-set (so at most one taker wins) and runs
 * the pairs that were not finished. The claim carries the resolved pairs and each pair's
 * state, so a takeover neither skips nor repeats a finished pair. Lease expiry is measured on
 * the observer's own clock (time it saw a revision unchanged), so controller clock skew does
 * not matter.
 */
import type { KV } from 'nats';
import { XtraceError } from '@xtrace/proto';
import { decodeJson, encodeJson, isCasConflict } from './kv-buckets.js';
import type { ResolvedPair } from './pair-selector.js';
import type { ProbeProto } from './schedule.js';

export type PairRunState = 'pending' | 'queued' | 'running' | 'done' | 'failed';

export interface RunClaimPair extends ResolvedPair {
  state: PairRunState;
  attempts: number;
  probeId?: string;
  /** controller that ran (or runs) this pair */
  by?: string;
  error?: string;
  finishedAt?: number;
  /** from the summary report: segments seen and packets lost */
  segments?: number;
  lost?: number;
}

export interface RunClaim {
  schedule: string;
  slot: number;
  durationMs: number;
  proto?: ProbeProto;
  owner: string;
  leaseMs: number;
  heartbeatAt: number;
  /** 'released': the owner stopped gracefully and handed the run back at once */
  state: 'running' | 'done' | 'released';
  startedAt: number;
  finishedAt?: number;
  takeovers: number;
  /** null until the owner resolved the selector */
  pairs: RunClaimPair[] | null;
  error?: string;
}

export function runKey(schedule: string, slot: number): string {
  return `run.${schedule}.${slot}`;
}

export function parseRunKey(key: string): { schedule: string; slot: number } | undefined {
  const m = /^run\.([A-Za-z0-9_-]+)\.(\d+)$/.exec(key);
  if (m === null) return undefined;
  return { schedule: m[1] as string, slot: Number(m[2]) };
}

export function decodeClaim(value: Uint8Array): RunClaim {
  return decodeJson(value) as RunClaim;
}

/** The claim could not be written because another controller now owns it. */
export class LostClaimError extends XtraceError {
  constructor(key: string, options?: { cause?: unknown }) {
    super('internal', `lost the claim on ${key} to another controller`, options);
  }
}

/**
 * The owner's handle on a claim: serializes its writes, each a compare-and-set on the last
 * revision it wrote.
 */
export class ClaimHandle {
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    readonly kv: KV,
    readonly key: string,
    private value: RunClaim,
    private revision: number,
  ) {}

  get claim(): Readonly<RunClaim> {
    return this.value;
  }

  /** Stop writing (abrupt death, or after losing the claim). */
  close(): void {
    this.closed = true;
  }

  /** Apply `mutate` to a copy of the claim and CAS it in; rejects with LostClaimError on conflict. */
  write(mutate: (c: RunClaim) => void): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.closed) throw new LostClaimError(this.key);
      const next = structuredClone(this.value);
      mutate(next);
      try {
        this.revision = await this.kv.update(this.key, encodeJson(next), this.revision);
        this.value = next;
      } catch (e: unknown) {
        if (isCasConflict(e)) {
          this.closed = true;
          throw new LostClaimError(this.key, { cause: e });
        }
        throw e;
      }
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** Try to create the claim; undefined if another controller got it first. */
  static async create(kv: KV, claim: RunClaim): Promise<ClaimHandle | undefined> {
    const key = runKey(claim.schedule, claim.slot);
    try {
      const rev = await kv.create(key, encodeJson(claim));
      return new ClaimHandle(kv, key, claim, rev);
    } catch (e: unknown) {
      if (isCasConflict(e)) return undefined;
      throw e;
    }
  }

  /** Take over a claim last seen at `revision`; undefined if someone else changed it first. */
  static async takeOver(kv: KV, key: string, claim: RunClaim, revision: number): Promise<ClaimHandle | undefined> {
    try {
      const rev = await kv.update(key, encodeJson(claim), revision);
      return new ClaimHandle(kv, key, claim, rev);
    } catch (e: unknown) {
      if (isCasConflict(e)) return undefined;
      throw e;
    }
  }
}
