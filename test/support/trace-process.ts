/**
 * Runs `xtrace trace` (the kernel side alone) as a real process inside a namespace and
 * collects its NDJSON: the inventory/stage report, the records and the closing summary.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Counters, Inventory } from '@xtrace/node-agent/tracing';

import { scaledMs } from '@xtrace/lab';
import { XTRACE_BIN } from './cli.js';

export { XTRACE_BIN };

export interface TraceRecord {
  tsNs: string;
  pktId: string;
  stage: number;
  stageName: string;
  netns: number;
  ifindex: number;
  flags: number;
  proto: number;
  sport: number;
  dport: number;
  seq: number;
  dropReason: number;
  hook: number;
}

export class TraceProcess {
  readonly records: TraceRecord[] = [];
  inventory: (Inventory & { pid: number }) | undefined;
  summary: { records: number; counters: Counters } | undefined;
  /** the signal that ended the process, if one did */
  signal: NodeJS.Signals | null = null;
  private readonly stderr: string[] = [];
  private readonly exited: Promise<number | null>;
  private readyWaiters: (() => void)[] = [];

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line) as { type: string } & Record<string, unknown>;
      if (msg.type === 'record') this.records.push(msg as unknown as TraceRecord);
      else if (msg.type === 'ready') {
        this.inventory = { ...(msg['inventory'] as Inventory), pid: msg['pid'] as number };
        for (const w of this.readyWaiters.splice(0)) w();
      } else if (msg.type === 'summary') this.summary = msg as unknown as TraceProcess['summary'];
    });
    child.stderr?.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    // 'close', not 'exit': the process's last output may still be in its pipes when it exits
    this.exited = new Promise((resolve) =>
      child.once('close', (code, signal) => {
        this.signal = signal;
        resolve(code);
      }),
    );
  }

  /** Spawn with `spawnIn(ns, argv)` of the lab (or any spawner), args after `trace`. */
  static start(spawnIn: (argv: string[]) => ChildProcess, args: string[]): TraceProcess {
    return new TraceProcess(spawnIn([process.execPath, XTRACE_BIN, 'trace', ...args]));
  }

  async ready(timeoutMs = scaledMs(30_000)): Promise<Inventory & { pid: number }> {
    if (!this.inventory) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`xtrace trace not ready in ${timeoutMs} ms: ${this.stderr.join('')}`)), timeoutMs);
        this.readyWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
        void this.exited.then((code) => reject(new Error(`xtrace trace exited (${code}) before ready: ${this.stderr.join('')}`)));
      });
    }
    return this.inventory!;
  }

  /** SIGTERM and wait for the summary. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }

  /** waits for the process to end on its own (a refused start) */
  exit(): Promise<number | null> {
    return this.exited;
  }

  kill(): Promise<number | null> {
    this.child.kill('SIGKILL');
    return this.exited;
  }

  stderrText(): string {
    return this.stderr.join('');
  }
}
