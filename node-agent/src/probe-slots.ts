/** Allocates BPF probe slots 0..XT_MAX_PROBES-1 (one bit each in a record's probe_mask). */
export const MAX_PROBE_SLOTS = 32;

export class ProbeSlots {
  private used = 0;

  /** lowest free slot, or undefined when all are taken */
  allocate(): number | undefined {
    for (let i = 0; i < MAX_PROBE_SLOTS; i++) {
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
    for (let i = 0; i < MAX_PROBE_SLOTS; i++) if (this.used & (1 << i)) n++;
    return n;
  }
}
