/**
 * Hands out this agent's BPF probe slots 0..MAX_PROBES-1 (one bit each in a record's
 * probe_mask), lowest free first. Not to be confused with the controller's fleet-wide
 * concurrency caps (controller/src/fleet/fleet-probe-semaphore.ts).
 */
import { MAX_PROBES } from '@xtrace/proto';

export class BpfSlotAllocator {
  private used = 0;

  /** lowest free slot, or undefined when all are taken */
  allocate(): number | undefined {
    for (let i = 0; i < MAX_PROBES; i++) {
      if ((this.used & (1 << i)) === 0) {
        this.used |= 1 << i;
        return i;
      }
    }
    return undefined;
  }

  release(slot: number): void {
    this.used &= ~(1 << slot);
  }

  get inUse(): number {
    let n = 0;
    for (let i = 0; i < MAX_PROBES; i++) if (this.used & (1 << i)) n++;
    return n;
  }
}
