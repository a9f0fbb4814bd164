/**
 * The benchmarks' own builds of xtrace's BPF object (bpf/Makefile `bench`: the hook floor and
 * the ablations), built on demand here, never by setup: `benchObject('hook-floor')` is
 * bpf/build/xtrace-hook-floor.bpf.o, `benchObject('ablate-clock')` the object without its clock read.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BPF_DIR = fileURLToPath(new URL('../../../bpf', import.meta.url));
let built = false;

export function benchObject(name: string): string {
  if (!built) {
    execFileSync('make', ['-s', '-C', BPF_DIR, 'bench'], { stdio: ['ignore', 'ignore', 'inherit'] });
    built = true;
  }
  return join(BPF_DIR, 'build', `xtrace-${name}.bpf.o`);
}
