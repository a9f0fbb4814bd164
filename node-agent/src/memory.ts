/**
 * Memory settings for agent processes. The agent's JS allocates little (records stay in large
 * Buffers), but every Buffer that dies waits for a garbage collection to give its memory back,
 * and V8 collects the young generation only when that fills: left to grow (to 16 MB semi-spaces),
 * it fills rarely, and tens of MB of dead batch Buffers pile up between collections at high
 * record rates. Keeping the young generation at its initial size (1 MB semi-spaces) collects it
 * often (each collection is cheap: almost nothing in it survives), so dead batches are freed
 * within a few MB of allocation. `--max-semi-space-size=1` on the command line does the same,
 * but an agent is started as `xtrace agent`, without node flags; the growth factor is read each
 * time the young generation would grow, so setting it at start takes effect.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { native } from '@xtrace/native';

function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * glibc's mmap threshold, fixed: allocations below it come from malloc's heap, whose freed chunks
 * the next allocation reuses with their pages still mapped; above it, each allocation is a fresh
 * mmap, faulted in page by page as it is written and unmapped when freed. Every envelope
 * (envelope-writer.ts: 2 KiB + 8,192 records = 514 KiB) and the buffer nats.js packs it into
 * for the socket are such allocations. At 128 KiB (until 2026-12-07) both were fresh mmaps: a
 * perf profile of the pipeline agent at 1 M records/s had 18 % of its samples in page faults
 * under those two copies, and the agent's main thread spent 0.63-0.70 µs per record. At 2 MiB
 * (same-run A/B, test/bench/pipeline.ts, 2 runs each): 0.39-0.41 µs per record, the highest
 * zero-loss rate 1.03-1.12 -> 1.79-1.80 M records/s (the ladder's top), peak RSS at 1 M/s 85-91 ->
 * 76-81 MB. Fixed, so glibc does not raise it further after large frees and keep their pages.
 * What the heap keeps after a burst is bounded by what was alive at once: an envelope per probe
 * with records waiting, and the writes nats.js has not flushed yet.
 */
const MALLOC_MMAP_THRESHOLD = 2 << 20;

/**
 * What an agent process (`xtrace agent`, the benchmarks' agent processes) sets at start: the
 * small young generation above, and glibc's mmap threshold (MALLOC_MMAP_THRESHOLD).
 */
export function tuneAgentMemory(): void {
  keepYoungGenerationSmall();
  try {
    native.setMallocMmapThreshold(MALLOC_MMAP_THRESHOLD);
  } catch {
    // no addon (tests with a fake tracer): nothing to tune there
  }
}

let minorGc: (() => void) | undefined | null;

/**
 * A young-generation collection now (~0.1 ms with the small young generation). The agent calls
 * it every few MB of record Buffers it lets go: V8 counts their memory as external and, with
 * little JS allocation to fill the young generation, would otherwise collect them only after
 * 64 MB of them piled up. No-op where gc cannot be exposed.
 */
export function collectYoungGeneration(): void {
  if (minorGc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as (opts?: { type: 'minor' | 'major' }) => void;
      minorGc = typeof gc === 'function' ? () => gc({ type: 'minor' }) : null;
    } catch {
      minorGc = null;
    }
  }
  minorGc?.();
}
