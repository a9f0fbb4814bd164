import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tiesChildren } from './tied-child.js';

const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));

describe.skipIf(!tiesChildren && process.env['CI'] !== 'true')('spawnTied (needs /usr/bin/setpriv)', () => {
  it('its child dies with the parent, also when the parent is SIGKILLed', async () => {
    const module = fileURLToPath(new URL('./tied-child.ts', import.meta.url));
    // a parent that starts a tied `sleep`, prints its pid, and waits to be killed
    const parent = spawn(
      process.execPath,
      ['--import', 'tsx', '-e', `const { spawnTied } = await import(${JSON.stringify(module)}); const c = spawnTied('sleep', ['600'], { stdio: 'ignore' }); console.log(c.pid); setInterval(() => {}, 1000);`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const pid = await new Promise<number>((resolve, reject) => {
      parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      parent.once('exit', (code) => reject(new Error(`parent exited ${code}`)));
    });
    expect(alive(pid), `sleep ${pid} runs while its parent does`).toBe(true);
    // the pid is the program's, not setpriv's: setpriv execs it in place (which may take a moment)
    const argv0 = (): string => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    const execDeadline = Date.now() + 10_000;
    while (argv0() !== 'sleep' && Date.now() < execDeadline) await new Promise((r) => setTimeout(r, 20));
    expect(argv0()).toBe('sleep');
    parent.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(alive(pid), `sleep ${pid} after its parent's SIGKILL`).toBe(false);
  });
});
