import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addonCandidates, findAddonFile } from './addon-file.js';

describe('addon file (node-gyp-build order)', () => {
  const dirs: string[] = [];
  const packageDir = (files: string[]): string => {
    const dir = mkdtempSync(join(tmpdir(), 'xtrace-addon-'));
    dirs.push(dir);
    for (const f of files) {
      mkdirSync(join(dir, f, '..'), { recursive: true });
      writeFileSync(join(dir, f), '');
    }
    return dir;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('a local build wins over a prebuilt binary', () => {
    const dir = packageDir(['build/Release/xtrace_native.node', 'prebuilds/linux-x64/xtrace_native.node']);
    expect(findAddonFile(dir, 'linux', 'x64')).toBe(join(dir, 'build/Release/xtrace_native.node'));
  });

  it("a release's prebuilt binary for this platform and architecture when there is no build", () => {
    const dir = packageDir(['prebuilds/linux-x64/xtrace_native.node']);
    expect(findAddonFile(dir, 'linux', 'x64')).toBe(join(dir, 'prebuilds/linux-x64/xtrace_native.node'));
    expect(findAddonFile(dir, 'linux', 'arm64')).toBeUndefined();
  });

  it('none: undefined, and the candidates name both places', () => {
    const dir = packageDir([]);
    expect(findAddonFile(dir)).toBeUndefined();
    expect(addonCandidates(dir, 'linux', 'x64')).toEqual([
      join(dir, 'build/Release/xtrace_native.node'),
      join(dir, 'prebuilds/linux-x64/xtrace_native.node'),
    ]);
  });
});
