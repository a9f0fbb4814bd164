/** Exec: run a shell command with the event JSON on stdin; records the exit code; killed on timeout. */
import { spawn } from 'node:child_process';
import { errorMessage } from '@xtrace/proto';
import type { AlertEvent } from '../alert-evaluator.js';
import type { AlertSink, DeliveryResult } from './alert-sink.js';

interface ExecOptions {
  command: string;
  /** default 10 s */
  timeoutMs?: number;
}

export class ExecSink implements AlertSink {
  readonly id: string;
  constructor(private readonly o: ExecOptions) {
    this.id = `exec:${o.command}`;
  }

  deliver(ev: AlertEvent): Promise<DeliveryResult> {
    const t0 = Date.now();
    return new Promise((resolve) => {
      let stderr = '';
      let timedOut = false;
      const child = spawn('/bin/sh', ['-c', this.o.command], {
        stdio: ['pipe', 'ignore', 'pipe'],
        // own process group, so a timeout kills the command's children too (they would
        // otherwise keep the pipes open)
        detached: true,
        env: { ...process.env, XTRACE_ALERT_RULE: ev.rule, XTRACE_ALERT_STATE: ev.state },
      });
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch (e: unknown) {
          // ESRCH: the group is already gone; make sure the shell itself is
          if ((e as NodeJS.ErrnoException).code !== 'ESRCH') stderr += `\nkill failed: ${errorMessage(e)}`;
          child.kill('SIGKILL');
        }
      }, this.o.timeoutMs ?? 10_000);
      child.stderr.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-2000);
      });
      // a command that does not read stdin closes the pipe early: not an error of ours
      child.stdin.on('error', () => undefined);
      child.stdin.end(JSON.stringify(ev) + '\n');
      child.once('error', (e: unknown) => {
        clearTimeout(timer);
        resolve({ sink: this.id, ok: false, attempts: 1, exitCode: null, error: errorMessage(e), ms: Date.now() - t0 });
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        const r: DeliveryResult = { sink: this.id, ok: code === 0, attempts: 1, exitCode: code, ms: Date.now() - t0 };
        if (timedOut) r.error = `timed out after ${this.o.timeoutMs ?? 10_000}ms`;
        else if (code !== 0) r.error = `exit ${code ?? `signal ${signal}`}${stderr ? `: ${stderr.trim()}` : ''}`;
        resolve(r);
      });
    });
  }
}
