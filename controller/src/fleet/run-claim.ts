/**
 * One scheduled run's claim in KV `xtrace_schedule_runs`, key `run.<schedule>.<slotStartMs>`,
 * held as a KvLease (kv-lease.ts).
 *
 * Exactly-once across controllers: every controller tries to create the claim when a slot is
 * due; exactly one succeeds. The winner owns the run and heartbeats by rewriting the claim. If
 * the owner dies, the revision stops changing; a controller that has seen the same revision
 * for longer than the claim's lease (LeaseExpiry) takes the run over and runs the pairs that
 * were not finished. The claim carries the resolved pairs and each pair's state, so a takeover
 * neither skips nor repeats a finished pair.
 */
import type { KV } from 'nats';
import { decodeJson } from './kv-buckets.js';
import { KvLease } from './kv-lease.js';
import type { ResolvedPair } from './pair-selector.js';
import type { ScheduleProto } from './schedule.js';

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
  proto?: ScheduleProto;
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

/** The owner's handle on a claim: serialized compare-and-set writes. */
export type ClaimHandle = KvLease<RunClaim>;

/** Try to create the claim of a run; undefined if another controller got it first. */
export function createClaim(kv: KV, claim: RunClaim): Promise<ClaimHandle | undefined> {
  return KvLease.create(kv, runKey(claim.schedule, claim.slot), claim);
}
