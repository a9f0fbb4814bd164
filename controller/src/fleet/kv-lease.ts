/**
 * A lease on one JetStream KV key, held by one controller at a time: the fleet layer's only
 * way to own something (a scheduled run's claim, a probe slot).
 *
 * - Acquire: `kv.create(key)` (JetStream lets exactly one create succeed; a deleted key can
 *   be created again), or take over an abandoned one with `kv.update(key, value, revision)`
 *   (compare-and-set on the revision the taker saw, so at most one taker wins).
 * - Hold: the holder rewrites the value (a heartbeat, or real changes) with compare-and-set
 *   on the last revision it wrote; its writes are serialized. A conflict means another
 *   controller took the key over: the handle closes and the write rejects with LostLeaseError.
 * - Release: delete with compare-and-set, so a lease that was already taken over stays with
 *   its new holder.
 * - Expiry is decided by observers (LeaseExpiry), never by the holder.
 */
import type { KV } from 'nats';
import { XtraceError } from '@xtrace/proto';
import { encodeJson, isCasConflict, isJetStreamUnavailable } from './kv-buckets.js';
import { retryWhile } from '../retry-while.js';

/**
 * How long a write that JetStream could not answer (isJetStreamUnavailable: a cluster electing
 * leaders after losing a node) is tried again before it fails. Meanwhile another controller may
 * take the key over; the compare-and-set of the next try then reports the loss.
 */
export const LEASE_WRITE_RETRY_MS = 15_000;

function retryUnavailable<R>(f: () => Promise<R>): Promise<R> {
  return retryWhile(isJetStreamUnavailable, f, { forMs: LEASE_WRITE_RETRY_MS, firstWaitMs: 100, maxWaitMs: 1000 });
}

/** The key could not be written because another controller now holds it. */
export class LostLeaseError extends XtraceError {
  constructor(key: string, options?: { cause?: unknown }) {
    super('internal', `lost ${key} to another controller`, options);
  }
}

export class KvLease<T> {
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly kv: KV,
    readonly key: string,
    private current: T,
    private revision: number,
  ) {}

  get value(): Readonly<T> {
    return this.current;
  }

  /** the revision of the holder's last write */
  get lastRevision(): number {
    return this.revision;
  }

  /** false once released, lost or closed */
  get held(): boolean {
    return !this.closed;
  }

  /** Stop writing (abrupt death, or after losing the key); the entry is left to expire. */
  close(): void {
    this.closed = true;
  }

  /** Apply `mutate` to a copy of the value and CAS it in; rejects with LostLeaseError on conflict. */
  write(mutate: (v: T) => void): Promise<void> {
    return this.serialized(async () => {
      if (this.closed) throw new LostLeaseError(this.key);
      const next = structuredClone(this.current);
      mutate(next);
      try {
        const revision = this.revision;
        this.revision = await retryUnavailable(() => this.kv.update(this.key, encodeJson(next), revision));
        this.current = next;
      } catch (e: unknown) {
        if (isCasConflict(e)) {
          this.closed = true;
          throw new LostLeaseError(this.key, { cause: e });
        }
        throw e;
      }
    });
  }

  /** Delete the key if it is still ours; false when it was lost (or already released). */
  release(): Promise<boolean> {
    return this.serialized(async () => {
      if (this.closed) return false;
      this.closed = true;
      try {
        await this.kv.delete(this.key, { previousSeq: this.revision });
        return true;
      } catch (e: unknown) {
        if (isCasConflict(e)) return false;
        throw e;
      }
    });
  }

  private serialized<R>(f: () => Promise<R>): Promise<R> {
    const p = this.chain.then(f, f);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** Create the key (absent or deleted); undefined if another controller holds it. */
  static async create<T>(kv: KV, key: string, value: T): Promise<KvLease<T> | undefined> {
    try {
      return new KvLease(kv, key, value, await kv.create(key, encodeJson(value)));
    } catch (e: unknown) {
      if (isCasConflict(e)) return undefined;
      throw e;
    }
  }

  /** Take over a key last seen at `revision`; undefined if someone else changed it first. */
  static async takeOver<T>(kv: KV, key: string, value: T, revision: number): Promise<KvLease<T> | undefined> {
    try {
      return new KvLease(kv, key, value, await kv.update(key, encodeJson(value), revision));
    } catch (e: unknown) {
      if (isCasConflict(e)) return undefined;
      throw e;
    }
  }
}
