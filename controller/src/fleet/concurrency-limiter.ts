/**
 * Caps on concurrent probes: at most `perAgent` probes touching one agent (a pair touches its
 * source and destination hosts) and at most `fleet` overall. Excess requests wait in FIFO
 * order (a request that fits may pass a blocked one only if it does not share its agents,
 * so a busy host does not stall the rest of the fleet).
 */
import { XtraceError } from '@xtrace/proto';

export interface LimiterCaps {
  perAgent: number;
  fleet: number;
}

interface Waiter {
  agents: string[];
  resolve: (release: () => void) => void;
  reject: (e: unknown) => void;
  onAbort?: () => void;
  signal?: AbortSignal;
}

export class AbortedError extends XtraceError {
  constructor(message = 'aborted') {
    super('internal', message);
  }
}

export class ConcurrencyLimiter {
  private running = 0;
  private readonly perAgent = new Map<string, number>();
  private readonly queue: Waiter[] = [];

  constructor(readonly caps: LimiterCaps) {
    if (!(caps.perAgent >= 1) || !(caps.fleet >= 1)) throw new XtraceError('usage', 'concurrency caps must be >= 1');
  }

  stats(): { running: number; queued: number } {
    return { running: this.running, queued: this.queue.length };
  }

  /** Whether a request for these agents would have to wait now. */
  wouldQueue(agents: string[]): boolean {
    return this.queue.length > 0 || !this.fits(agents);
  }

  /** Resolves with a release function once the probe may run. */
  acquire(agents: string[], signal?: AbortSignal): Promise<() => void> {
    const uniq = [...new Set(agents)];
    if (signal?.aborted) return Promise.reject(new AbortedError());
    if (this.queue.length === 0 && this.fits(uniq)) return Promise.resolve(this.take(uniq));
    return new Promise((resolve, reject) => {
      const w: Waiter = { agents: uniq, resolve, reject };
      if (signal !== undefined) {
        w.signal = signal;
        w.onAbort = () => {
          const i = this.queue.indexOf(w);
          if (i >= 0) this.queue.splice(i, 1);
          reject(new AbortedError());
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.queue.push(w);
    });
  }

  private fits(agents: string[]): boolean {
    if (this.running >= this.caps.fleet) return false;
    return agents.every((a) => (this.perAgent.get(a) ?? 0) < this.caps.perAgent);
  }

  private take(agents: string[]): () => void {
    this.running++;
    for (const a of agents) this.perAgent.set(a, (this.perAgent.get(a) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      for (const a of agents) {
        const n = (this.perAgent.get(a) ?? 1) - 1;
        if (n <= 0) this.perAgent.delete(a);
        else this.perAgent.set(a, n);
      }
      this.drain();
    };
  }

  private drain(): void {
    const blocked = new Set<string>();
    for (let i = 0; i < this.queue.length && this.running < this.caps.fleet; ) {
      const w = this.queue[i] as Waiter;
      if (w.agents.some((a) => blocked.has(a)) || !this.fits(w.agents)) {
        for (const a of w.agents) blocked.add(a);
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      if (w.signal !== undefined && w.onAbort !== undefined) w.signal.removeEventListener('abort', w.onAbort);
      w.resolve(this.take(w.agents));
    }
  }
}
