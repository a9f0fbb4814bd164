/**
 * `xtrace trace` as a real process inside a lab host namespace, its NDJSON going to a file
 * (so reading it costs the benchmark nothing while traffic runs). ready() waits for the
 * `ready` line; stop() sends SIGTERM and returns the `summary` line (records, counters).
 */
import { openSync, closeSync, readSync, rmSync, fstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Lab } from '@xtrace/lab';
import { XTRACE_BIN } from '../../support/trace-process.js';
import { sleep } from './report.js';

import { buildAll, compiledMain } from './compiled-main.js';

// the tracer processes run compiled JS, as the agent does; built here so it is never an old build
buildAll();
const TRACER_MAIN = compiledMain('test/bench/support/tracer-main.ts');

export interface TraceSummary {
  records: number;
  counters: Record<string, number>;
  /** tracer-main only: programs that ran (runTimeNs needs bpf_stats on) */
  programs?: { name: string; runCount: number; runTimeNs: number }[];
}

/** A probe pair the lab does not have: the hooks run on all its traffic and nothing matches. */
export const NO_MATCH_PAIR = ['10.99.0.1', '10.99.0.2'] as const;

export class TraceRunner {
  private readonly exited: Promise<number | null>;
  private stderr = '';
  private constructor(
    readonly child: ChildProcess,
    private readonly outFile: string,
  ) {
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** `xtrace trace --src --dst` (NDJSON per record) or, with kind 'tracer', support/tracer-main.ts (binary batches, as the agent) */
  static start(lab: Lab, host: number, src: string, dst: string, env: Record<string, string> = {}, kind: 'cli' | 'tracer' = 'cli'): TraceRunner {
    const argv =
      kind === 'cli'
        ? [process.execPath, XTRACE_BIN, 'trace', '--src', src, '--dst', dst]
        : // XTRACE_BENCH_TRACER_MAIN: another checkout's compiled tracer-main (an A/B of user space and BPF together)
          [process.execPath, env['XTRACE_BENCH_TRACER_MAIN'] ?? TRACER_MAIN, src, dst];
    const outFile = join(tmpdir(), `xtrace-bench-trace-${process.pid}-${host}-${Math.random().toString(36).slice(2, 8)}.ndjson`);
    const fd = openSync(outFile, 'w');
    try {
      const child = lab.spawnIn(lab.hostSpec(host).ns, argv, {
        stdio: ['ignore', fd, 'pipe'],
        env: { ...process.env, XTRACE_LOG_LEVEL: 'warn', ...env },
      });
      return new TraceRunner(child, outFile);
    } finally {
      closeSync(fd);
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** the first `head` bytes, or with head < 0 the last -head bytes, of the output */
  private text(head = 65536): string {
    let fd: number | undefined;
    try {
      fd = openSync(this.outFile, 'r');
      const size = fstatSync(fd).size;
      const len = Math.min(Math.abs(head), size);
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, head >= 0 ? 0 : size - len);
      return buf.toString('utf8');
    } catch {
      return '';
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /** the stage report of the ready line */
  async ready(timeoutMs = 30_000): Promise<{ stages: { stage: string; hook?: string; attached: boolean }[] }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.text();
      const nl = text.indexOf('\n');
      if (nl > 0) {
        const first = JSON.parse(text.slice(0, nl)) as { type: string; inventory: { stages: { stage: string; hook?: string; attached: boolean }[] } };
        if (first.type === 'ready') return first.inventory;
      }
      if (this.child.exitCode !== null) throw new Error(`xtrace trace exited (${this.child.exitCode}) before ready: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`xtrace trace not ready in ${timeoutMs} ms: ${this.stderr}`);
      await sleep(50);
    }
  }

  async stop(): Promise<TraceSummary | undefined> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    const code = await Promise.race([this.exited, sleep(15_000).then(() => 'timeout' as const)]);
    if (code === 'timeout') {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    const text = this.text(-65536);
    rmSync(this.outFile, { force: true });
    const lastLine = text.trimEnd().split('\n').pop() ?? '';
    try {
      const v = JSON.parse(lastLine) as { type: string } & TraceSummary;
      return v.type === 'summary' ? v : undefined;
    } catch {
      return undefined;
    }
  }
}
