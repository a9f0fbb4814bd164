import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { LabError } from './errors.js';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  /** do not throw on a non-zero exit */
  allowFail?: boolean;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Runs argv (no shell), collects output; throws LabError on failure unless allowFail. */
export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return Promise.reject(new LabError('run: empty argv'));
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer =
      opts.timeoutMs !== undefined ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('error', (e: unknown) => {
      if (timer) clearTimeout(timer);
      reject(new LabError(`cannot run ${argv.join(' ')}`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const res: RunResult = { code, signal, stdout, stderr };
      if (!opts.allowFail && code !== 0) {
        reject(
          new LabError(
            `${argv.join(' ')} failed (${code ?? signal}): ${stderr.trim() || stdout.trim()}`.slice(0, 2000),
          ),
        );
      } else resolve(res);
    });
    child.stdin.on('error', () => undefined); // EPIPE when the child exits early; the exit code tells
    child.stdin.end(opts.input ?? '');
  });
}

/** `ip [-n ns] -batch -` with one command per line (fails on the first failing line). */
export async function ipBatch(ns: string | null, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  const argv = ns ? ['ip', '-n', ns, '-batch', '-'] : ['ip', '-batch', '-'];
  await run(argv, { input: lines.join('\n') + '\n' });
}

/** argv that runs `argv` inside network namespace `ns` (ip netns exec; exec'd, so pid = target). */
export function inNs(ns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function listNetns(): Promise<string[]> {
  const r = await run(['ip', '-j', 'netns', 'list'], { allowFail: true });
  if (r.code !== 0 || r.stdout.trim() === '') return [];
  const parsed = JSON.parse(r.stdout) as Array<{ name: string }>;
  return parsed.map((x) => x.name);
}

export async function listRootLinks(): Promise<string[]> {
  const r = await run(['ip', '-j', 'link', 'show']);
  const parsed = JSON.parse(r.stdout) as Array<{ ifname: string }>;
  return parsed.map((x) => x.ifname);
}

/** Alive and not a zombie (an exited child nobody reaped yet holds no resources). */
export function pidRunning(pid: number): boolean {
  if (!pidAlive(pid)) return false;
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: unknown) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
