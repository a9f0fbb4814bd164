/**
 * The compiled build (tools/build.mjs) and its freshness check (tools/build-state.mjs): a build
 * counts as fresh only while every input has the bytes it was compiled from, and the compiled
 * CLI runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildState, sha1, STAMP_NAME, STAMP_VERSION } from '../../tools/build-state.mjs';
import { build } from '../../tools/build.mjs';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** a root with one input a/x.ts and a build stamp for its current bytes */
function fakeRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'xtrace-build-state-'));
  dirs.push(root);
  mkdirSync(join(root, 'a'));
  mkdirSync(join(root, '.build', 'one'), { recursive: true });
  symlinkSync(join('.build', 'one'), join(root, 'build'));
  const file = join(root, 'a', 'x.ts');
  const bytes = Buffer.from('export const x = 1;\n');
  writeFileSync(file, bytes);
  utimesSync(file, 1000, 1000); // seconds
  const rec = { mtimeMs: 1000 * 1000, size: bytes.length, sha1: sha1(bytes) };
  writeFileSync(join(root, 'build', STAMP_NAME), JSON.stringify({ version: STAMP_VERSION, inputs: { 'a/x.ts': rec } }));
  return root;
}

describe('build state', () => {
  it('is fresh while every input has its compiled bytes, also when only touched', () => {
    const root = fakeRoot();
    expect(buildState(root).fresh).toBe(true);
    utimesSync(join(root, 'a', 'x.ts'), 2000, 2000);
    expect(buildState(root).fresh).toBe(true);
  });

  it('is stale, saying which file, once an input changes or goes away', () => {
    const root = fakeRoot();
    writeFileSync(join(root, 'a', 'x.ts'), 'export const x = 2;\n');
    expect(buildState(root)).toEqual({ fresh: false, reason: 'a/x.ts changed after the build' });
    rmSync(join(root, 'a', 'x.ts'));
    expect(buildState(root)).toEqual({ fresh: false, reason: 'a/x.ts was removed after the build' });
  });

  it('is stale without a build', () => {
    const root = mkdtempSync(join(tmpdir(), 'xtrace-build-state-'));
    dirs.push(root);
    expect(buildState(root)).toEqual({ fresh: false, reason: 'there is no compiled build (build/)' });
  });
});

describe('compiled build', () => {
  it('builds, and the compiled CLI runs without tsx', () => {
    const dir = build({ quiet: true });
    const out = execFileSync(process.execPath, [join(dir, 'cli', 'src', 'main.js'), '--version'], { encoding: 'utf8' });
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  }, 30_000);
});
