/**
 * Paces young-generation collections by the record bytes the agent lets go: each envelope
 * leaves two dead Buffers of its size (the envelope and NATS's write buffer) that only a
 * collection frees (memory.ts); the tracer's batches are lent and reused, not garbage.
 */
import { collectYoungGeneration } from './memory.js';

/** Collect the young generation after this many record bytes were published. */
const GC_EVERY_BYTES = 2 << 20;

export class YoungGenerationPacer {
  /** record bytes published since the last collection */
  private releasedBytes = 0;

  constructor(
    private readonly everyBytes = GC_EVERY_BYTES,
    private readonly collect: () => void = collectYoungGeneration,
  ) {}

  released(bytes: number): void {
    this.releasedBytes += bytes;
    if (this.releasedBytes >= this.everyBytes) {
      this.releasedBytes = 0;
      this.collect();
    }
  }
}
