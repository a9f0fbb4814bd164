/** Runs the real CLI (cli/bin/xtrace.js) as a child process: the lab's stacks and the tests (test/support/cli.ts). */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const XTRACE_BIN = fileURLToPath(new URL('../../../cli/bin/xtrace.js', import.meta.url));

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> & { pid?: number; kill(sig?: NodeJS.Signals): void } {
  let child: ReturnType<typeof execFile> | undefined;
  const p = new Promise<CliResult>((resolve) => {
    child = execFile(process.execPath, [XTRACE_BIN, ...args], { env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 128) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  }) as Promise<CliResult> & { pid?: number; kill(sig?: NodeJS.Signals): void };
  p.pid = child!.pid;
  p.kill = (sig = 'SIGTERM') => void child!.kill(sig);
  return p;
}
