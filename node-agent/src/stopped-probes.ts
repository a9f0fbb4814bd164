/**
 * What each recently stopped probe published (batches and records), so a stop that arrives after
 * the probe already ended still gets the counts: a controller's stop repeated because its reply
 * was lost (a NATS node died in between), or one that came after the agent stopped the probe at
 * its own duration or lease end. Without them the controller cannot count the trailing batches
 * that never reached it. Bounded: the oldest are forgotten first.
 */
export interface PublishedCounts {
  batches: number;
  records: number;
}

/** how many stopped probes are remembered by default */
export const REMEMBERED_STOPPED_PROBES = 1024;

export class StoppedProbes {
  private readonly counts = new Map<string, PublishedCounts>();

  constructor(private readonly capacity = REMEMBERED_STOPPED_PROBES) {}

  remember(probeId: string, counts: PublishedCounts): void {
    this.counts.delete(probeId);
    this.counts.set(probeId, counts);
    while (this.counts.size > this.capacity) {
      const oldest = this.counts.keys().next().value as string;
      this.counts.delete(oldest);
    }
  }

  /** the counts of a probe stopped earlier, undefined when it never ran here or was forgotten */
  get(probeId: string): PublishedCounts | undefined {
    return this.counts.get(probeId);
  }

  get size(): number {
    return this.counts.size;
  }
}
