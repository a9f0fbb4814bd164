/** The release's bundle: package-lock.json resolved the way Node resolves (scripts/release/lock-closure.ts). */
import { describe, expect, it } from 'vitest';
import { lockClosure, LockClosureError, resolveInLock, type PackageLock } from '../../scripts/release/lock-closure.js';

const lock: PackageLock = {
  packages: {
    '': { dependencies: {} },
    cli: { dependencies: { '@xtrace/proto': '*', yargs: '^17', pino: '^10', '@xtrace/lab': '*' } },
    lab: { dependencies: { tsx: '^4' } },
    'node_modules/@xtrace/proto': { link: true },
    'node_modules/@xtrace/lab': { link: true },
    'node_modules/yargs': { version: '17.7.3', dependencies: { 'string-width': '^4', cliui: '^8' } },
    'node_modules/yargs/node_modules/string-width': { version: '4.2.3', dependencies: { 'strip-ansi': '^6' } },
    'node_modules/string-width': { version: '7.0.0' },
    'node_modules/strip-ansi': { version: '6.0.1' },
    'node_modules/cliui': { version: '8.0.1', dependencies: { 'string-width': '^7' } },
    'node_modules/pino': { version: '10.4.0', optionalDependencies: { '@pkg/darwin': '1', '@pkg/linux': '1', '@pkg/gone': '1' } },
    'node_modules/@pkg/darwin': { version: '1.0.0', os: ['darwin'] },
    'node_modules/@pkg/linux': { version: '1.0.0', os: ['linux'], cpu: ['x64'] },
    'node_modules/tsx': { version: '4.0.0' },
  },
};

describe('release bundle closure over package-lock.json', () => {
  it("resolves a package's own nested copy first, then the parents' (scoped names too)", () => {
    expect(resolveInLock(lock, 'node_modules/yargs', 'string-width')).toBe('node_modules/yargs/node_modules/string-width');
    expect(resolveInLock(lock, 'node_modules/cliui', 'string-width')).toBe('node_modules/string-width');
    expect(resolveInLock(lock, 'node_modules/yargs/node_modules/string-width', 'strip-ansi')).toBe('node_modules/strip-ansi');
    expect(resolveInLock(lock, 'cli', 'pino')).toBe('node_modules/pino');
    expect(resolveInLock(lock, 'cli', 'nothing')).toBeUndefined();
  });

  it('takes what the shipped workspaces need, as locked, without excluded workspaces or other platforms', () => {
    const closure = lockClosure(lock, ['cli'], { exclude: new Set(['@xtrace/lab']), platform: 'linux', arch: 'x64' });
    expect(closure).toEqual([
      'node_modules/@pkg/linux',
      'node_modules/cliui',
      'node_modules/pino',
      'node_modules/string-width',
      'node_modules/strip-ansi',
      'node_modules/yargs',
      'node_modules/yargs/node_modules/string-width',
    ]);
    // an optional package that is not installed is left out; a required one is an error
    expect(lockClosure(lock, ['cli'], { exclude: new Set(['@xtrace/lab']), platform: 'linux', arch: 'x64', installed: (p) => p !== 'node_modules/@pkg/linux' })).not.toContain(
      'node_modules/@pkg/linux',
    );
    expect(() => lockClosure(lock, ['cli'], { exclude: new Set(['@xtrace/lab']), installed: (p) => p !== 'node_modules/strip-ansi' })).toThrow(LockClosureError);
  });
});
