/**
 * When a probe stops on its own: its lease runs out unless the controller renews it (a
 * controller gone stops its probes), and its duration, if the start command gave one, ends.
 */
import type { RenewCommand, RenewResult } from '@xtrace/proto';

type ProbeEnd = 'lease expired' | 'duration reached';

export class ProbeLease {
  private deadline: number;
  private endDeadline: number | undefined;

  constructor(
    public leaseMs: number,
    now: number,
    durationMs: number | undefined,
  ) {
    this.deadline = now + leaseMs;
    this.endDeadline = durationMs !== undefined ? now + durationMs : undefined;
  }

  /** A new lease from `now`; `leaseMs`, if given, becomes the lease length from here on. */
  renew(now: number, leaseMs?: number): void {
    if (leaseMs !== undefined) this.leaseMs = leaseMs;
    this.deadline = now + this.leaseMs;
  }

  /** The probe now ends `durationMs` after `now`. */
  endAfter(now: number, durationMs: number): void {
    this.endDeadline = now + durationMs;
  }

  leftMs(now: number): number {
    return Math.max(0, this.deadline - now);
  }

  /** Why the probe must stop at `now`, if it must (an expired lease first). */
  due(now: number): ProbeEnd | undefined {
    if (now >= this.deadline) return 'lease expired';
    if (this.endDeadline !== undefined && now >= this.endDeadline) return 'duration reached';
    return undefined;
  }
}

/** The renew command: every probe it names that runs here gets a new lease; the others are unknown. */
export function renewLeases(cmd: RenewCommand, leaseOf: (probeId: string) => ProbeLease | undefined, now: number): RenewResult {
  const res: RenewResult = { renewed: [], unknown: [] };
  for (const id of cmd.probeIds) {
    const lease = leaseOf(id);
    if (!lease) {
      res.unknown.push(id);
      continue;
    }
    lease.renew(now, cmd.leaseMs);
    res.renewed.push(id);
  }
  return res;
}
