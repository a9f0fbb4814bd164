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
 * What an agent process (`xtrace agent`, the benchmarks' agent processes) sets at start: the
 * small young generation above, and glibc's mmap threshold fixed at 128 KiB, so the memory of
 * every dead batch-sized Buffer (>= 256 KiB) is unmapped when collected instead of staying in
 * malloc's heap (glibc otherwise raises the threshold after such frees and keeps the pages).
 */
export function tuneAgentMemory(): void {
  keepYoungGenerationSmall();
  try {
    native.setMallocMmapThreshold(128 << 10);
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
