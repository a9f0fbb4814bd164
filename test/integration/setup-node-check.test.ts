/**
 * ./setup.sh on a machine without Node.js >= 20 (Debian 12's own nodejs is 18) stops before
 * anything else, says what to install, and runs nothing else. The script runs with a PATH that
 * holds only a fake `node`, spies in place of every command that would change the machine
 * (apt-get, dpkg-query, npm, make, podman, id: each logs its call) and the few harmless tools
 * the check itself uses. It runs a copy of the script in a directory of its own, and the
 * dpkg-query spy reports every package installed, so that even a script whose check broke
 * would reach none of the repository's scripts and write nothing (no policy-rc.d).
 */
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SETUP = new URL('../../setup.sh', import.meta.url).pathname;
const SPIED = ['apt-get', 'dpkg-query', 'npm', 'make', 'podman', 'id', 'systemctl', 'npx'];
const TOOLS = ['sed', 'dirname', 'cat'];

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function which(tool: string): string {
  for (const d of ['/usr/bin', '/bin']) if (existsSync(join(d, tool))) return join(d, tool);
  throw new Error(`${tool} not found`);
}

/** Runs setup.sh with `node --version` printing `nodeVersion` (none: no node), and `id -u` printing `uid`. */
async function runSetup(opts: { nodeVersion?: string; npm?: boolean; uid?: number }): Promise<{ code: number; stdout: string; stderr: string; calls: string[] }> {
  const bin = mkdtempSync(join(tmpdir(), 'xtrace-setup-'));
  dirs.push(bin);
  const log = join(bin, 'calls.log');
  writeFileSync(log, '');
  const script = (name: string, body: string): void => {
    writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  for (const name of SPIED) {
    if (name === 'npm' && opts.npm === false) continue;
    const prints = name === 'id' ? `\necho ${opts.uid ?? 0}` : name === 'dpkg-query' ? "\nprintf 'install ok installed'" : '';
    script(name, `echo "${name} $*" >> '${log}'${prints}`);
  }
  if (opts.nodeVersion !== undefined) script('node', `if [ "$1" = --version ]; then echo ${opts.nodeVersion}; else echo "node $*" >> '${log}'; fi`);
  for (const tool of TOOLS) symlinkSync(which(tool), join(bin, tool));
  const copy = mkdtempSync(join(tmpdir(), 'xtrace-setup-copy-'));
  dirs.push(copy);
  copyFileSync(SETUP, join(copy, 'setup.sh'));

  return new Promise((resolve) => {
    execFile('/bin/bash', [join(copy, 'setup.sh')], { env: { PATH: bin, HOME: bin, LANG: 'C' }, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      const calls = readFileSync(log, 'utf8').split('\n').filter((l) => l !== '');
      resolve({ code, stdout: String(stdout), stderr: String(stderr), calls });
    });
  });
}

describe('setup.sh checks Node.js first', () => {
  it("stops on Debian 12's node 18, says what to install, and runs nothing else", async () => {
    const r = await runSetup({ nodeVersion: 'v18.20.4' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('xtrace needs Node.js >= 20 with npm; found v18.20.4 at ');
    expect(r.stderr).toMatch(/deb\.nodesource\.com\/setup_20\.x/);
    expect(r.stderr).toContain('trixie');
    expect(r.stderr).toContain('Nothing was installed or changed.');
    expect(r.calls).toEqual([]);
    expect(r.stdout).toBe('');
  });

  it('stops when there is no node at all', async () => {
    const r = await runSetup({});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("there is no 'node' on PATH");
    expect(r.calls).toEqual([]);
  });

  it('stops when node is 20 but npm is missing', async () => {
    const r = await runSetup({ nodeVersion: 'v20.11.1', npm: false });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("found node v20.11.1 but no 'npm' on PATH");
    expect(r.calls).toEqual([]);
  });

  it('lets node 20 and newer through to the next step (here: the root check, made to fail)', async () => {
    for (const v of ['v20.0.0', 'v22.3.0', 'v100.1.2']) {
      const r = await runSetup({ nodeVersion: v, uid: 1000 });
      expect(r.code, v).toBe(2);
      expect(r.stderr, v).toContain('run as root');
      expect(r.stderr, v).not.toContain('Node.js');
      // the check asked node for its version only; the root check is the first other call
      expect(r.calls, v).toEqual(['id -u']);
    }
  });
});
