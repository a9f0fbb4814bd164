/**
 * CPU of a set of processes from now until they have exited, every thread ns-precise
 * (/proc/<pid>/task/<tid>/schedstat). A thread's figure disappears with it, so while the
 * processes shut down (and drain what they still have) the threads are read every 10 ms and
 * each one's last reading is kept.
 */
import { readdirSync, readFileSync } from 'node:fs';

export class CpuUntilExit {
  /** "pid/tid" -> ns at the start (absent: the thread started later) */
  private readonly base = new Map<string, number>();
  private readonly last = new Map<string, number>();

  constructor(private readonly pids: readonly number[]) {
    this.read(this.base);
  }

  /** awaits `stopped` (which resolves once the processes exited), reading them meanwhile; returns it and the CPU seconds since the constructor */
  async through<T>(stopped: Promise<T>): Promise<{ value: T; cpuS: number }> {
    this.read(this.last);
    const timer = setInterval(() => this.read(this.last), 10);
    try {
      const value = await stopped;
      let ns = 0;
      for (const [tid, v] of this.last) ns += v - (this.base.get(tid) ?? 0);
      return { value, cpuS: ns / 1e9 };
    } finally {
      clearInterval(timer);
    }
  }

  private read(into: Map<string, number>): void {
    for (const pid of this.pids) {
      let tids: string[];
      try {
        tids = readdirSync(`/proc/${pid}/task`);
      } catch {
        continue; // exited
      }
      for (const tid of tids) {
        try {
          const key = `${pid}/${tid}`;
          const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
          into.set(key, Math.max(ns, into.get(key) ?? 0));
        } catch {
          // thread gone
        }
      }
    }
  }
}
