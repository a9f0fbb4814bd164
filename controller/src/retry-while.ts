/**
 * One way to try something again: while `retriable(error)` says the failure is passing (JetStream
 * electing leaders, an agent reconnecting, a cluster still forming), after a pause that starts at
 * `firstWaitMs` and doubles up to `maxWaitMs` (default: no growth), until `forMs` have passed; then
 * the last error. `attempt` gets the deadline, to size its own timeout.
 */
export interface RetryWindow {
  forMs: number;
  firstWaitMs: number;
  maxWaitMs?: number;
}

export async function retryWhile<R>(retriable: (e: unknown) => boolean, attempt: (giveUpAt: number) => Promise<R>, w: RetryWindow): Promise<R> {
  const giveUpAt = Date.now() + w.forMs;
  for (let waitMs = w.firstWaitMs; ; waitMs = Math.min(2 * waitMs, w.maxWaitMs ?? w.firstWaitMs)) {
    try {
      return await attempt(giveUpAt);
    } catch (e: unknown) {
      if (!retriable(e) || Date.now() + waitMs > giveUpAt) throw e;
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}
