/**
 * The compiled twin of a benchmark process's entry (test/bench/tsconfig.json builds them into
 * test/bench/dist with `tsc -b`): the measured processes run without the tsx loader, as the
 * agent does in production. buildAll() runs the incremental build first, so a benchmark never
 * measures code older than the sources.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** `tsc -b` over the whole repository (only what changed is recompiled). */
export function buildAll(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b'], { cwd: ROOT, stdio: 'inherit' });
}

/** absolute path of the compiled .js of a source under test/bench or bpf/test, e.g. 'test/bench/support/tracer-main.ts' */
export function compiledMain(sourceRel: string): string {
  const file = fileURLToPath(new URL(`../dist/${sourceRel.replace(/\.ts$/, '.js')}`, import.meta.url));
  if (!existsSync(file)) throw new Error(`${file} is missing: run 'npm run build' (tsc -b) first`);
  return file;
}
