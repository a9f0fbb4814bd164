/**
 * The clocks of one running probe: lease renewal, interval reports, the end of its duration
 * and, unless it is kept when nobody watches, the orphan check.
 */
interface ProbeSchedule {
  renewMs: number;
  intervalMs: number;
  durationMs: number;
  /** undefined: the probe runs on when nobody watches it (keep_on_disconnect) */
  orphanMs: number | undefined;
}

interface ProbeClockActions {
  renew(): void;
  report(): void;
  durationReached(): void;
  /** the orphan time passed: the probe decides whether anyone watches it */
  orphanCheck(): void;
}

export class ProbeTimers {
  private readonly timers: NodeJS.Timeout[] = [];

  start(s: ProbeSchedule, on: ProbeClockActions): void {
    this.timers.push(setInterval(() => on.renew(), s.renewMs), setInterval(() => on.report(), s.intervalMs), setTimeout(() => on.durationReached(), s.durationMs));
    if (s.orphanMs !== undefined) this.timers.push(setTimeout(() => on.orphanCheck(), s.orphanMs));
  }

  clear(): void {
    for (const t of this.timers) clearTimeout(t);
  }
}
