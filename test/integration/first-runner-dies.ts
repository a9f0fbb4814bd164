/**
 * Test helper for scheduler failover: of several controllers (Scheduler + its own NATS
 * connection), the first to run a probe dies abruptly 150 ms into it (kill(), connection
 * closed, nothing released), as a crashed process would.
 */
import type { NatsConnection } from 'nats';
import type { Scheduler } from '../../controller/src/fleet/scheduler.js';

export class FirstRunnerDies {
  readonly controllers = new Map<string, { s: Scheduler; nc: NatsConnection }>();
  killed: string | undefined;
  killedAt = 0;

  /** Call at the start of a RunProbeFn: rejects (once the kill aborted it) for the first caller, returns at once for the others. */
  async enterProbe(ctl: string, signal: AbortSignal): Promise<void> {
    if (this.killed !== undefined) return;
    this.killed = ctl;
    setTimeout(() => {
      this.killedAt = Date.now();
      const me = this.controllers.get(ctl)!;
      me.s.kill();
      void me.nc.close();
    }, 150);
    await new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('killed'))));
  }

  /** the controller that did not die */
  survivor(): string {
    const s = [...this.controllers.keys()].find((c) => c !== this.killed);
    if (s === undefined || this.killed === undefined) throw new Error('nobody died yet');
    return s;
  }
}
