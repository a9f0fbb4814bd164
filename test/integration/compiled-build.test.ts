/**
 * The build is `tsc -b` over the packages' project references (tsconfig.json at the top): each
 * package lists the packages it may import, and tsconfig.base.json maps every @xtrace/* name to
 * its sources, so importing a package that is not referenced fails to compile. These tests
 * build a throwaway package beside the real ones (in a temporary directory) both ways, and run
 * the compiled CLI without tsx.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const dirs: string[] = [];

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** a one-file composite package referencing `references` (package folders), importing `importLine` */
function throwawayPackage(references: string[], importLine: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'xtrace-boundary-'));
  dirs.push(dir);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.base.json'),
      compilerOptions: { composite: true, rootDir: '.', outDir: 'dist', noEmitOnError: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] },
      files: ['probe.ts'],
      references: references.map((r) => ({ path: join(ROOT, r) })),
    }),
  );
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(join(dir, 'probe.ts'), `${importLine}\nexport const used = imported;\n`);
  return dir;
}

function tscBuild(dir: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [TSC, '-b', dir], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('tsc -b project references', () => {
  it('maps every export of every workspace package to its sources (else an import of it would not be checked)', () => {
    const rootPkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
    const base = JSON.parse(readFileSync(join(ROOT, 'tsconfig.base.json'), 'utf8')) as { compilerOptions: { paths: Record<string, string[]> } };
    const expected: Record<string, string[]> = {};
    for (const ws of rootPkg.workspaces) {
      const pkg = JSON.parse(readFileSync(join(ROOT, ws, 'package.json'), 'utf8')) as { name: string; exports?: Record<string, { 'xtrace-source'?: string } | string> };
      for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
        const source = typeof target === 'string' ? target : target['xtrace-source'];
        if (source === undefined) continue;
        expected[`${pkg.name}${sub.slice(1)}`] = [`./${join(ws, source)}`];
      }
    }
    expect(base.compilerOptions.paths).toEqual(expected);
  });

  it('compiles an import of a referenced package', () => {
    const r = tscBuild(throwawayPackage(['proto'], "import { RECORD_SIZE as imported } from '@xtrace/proto';"));
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);

  it('refuses an import of a package the tsconfig does not reference (an undrawn boundary)', () => {
    const r = tscBuild(throwawayPackage(['proto'], "import { freePort as imported } from '@xtrace/controller';"));
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/TS6307|TS6059/);
    expect(r.output).toContain('controller/src');
  }, 120_000);

  it('the compiled CLI runs without tsx', () => {
    const out = execFileSync(process.execPath, [join(ROOT, 'cli/bin/xtrace.js'), '--version'], { encoding: 'utf8', env: { ...process.env, XTRACE_FROM_SOURCE: '' } });
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  }, 30_000);
});
