/**
 * The observer's side of a KvLease: a lease is expired when its key's revision has not
 * changed for longer than the lease, measured on the observer's own clock from when it first
 * saw that revision. Holders' clocks never enter, so clock skew between controllers does not
 * matter; an observer that starts late only waits longer.
 */
export class LeaseExpiry {
  private readonly seen = new Map<string, { revision: number; at: number }>();

  /**
   * Notes `revision` of `key` as seen at `now`; true once that same revision has been seen
   * for longer than `leaseMs`.
   */
  expired(key: string, revision: number, leaseMs: number, now: number): boolean {
    const s = this.seen.get(key);
    if (s === undefined || s.revision !== revision) {
      this.seen.set(key, { revision, at: now });
      return false;
    }
    return now - s.at > leaseMs;
  }

  /** Follow `key` from `now` on, revision unknown yet (a no-op if it is followed already). */
  track(key: string, now: number): void {
    if (!this.seen.has(key)) this.restart(key, now);
  }

  /** Start the clock of `key` again at `now` (e.g. after a takeover lost to another observer). */
  restart(key: string, now: number): void {
    this.seen.set(key, { revision: -1, at: now });
  }

  forget(key: string): void {
    this.seen.delete(key);
  }

  /** Keys followed now (safe to forget while iterating). */
  keys(): IterableIterator<string> {
    return this.seen.keys();
  }
}
