/**
 * What every benchmark prints besides its human lines: the machine it ran on and one
 * machine-readable `#BENCH {json}` line of figures that run-all.ts collects for the
 * target table. Figures are plain numbers keyed by a dotted name.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';

export type Figures = Record<string, number>;

export interface MachineInfo {
  cpu: string;
  cores: number;
  kernel: string;
  memoryMb: number;
  node: string;
}

export function machineInfo(): MachineInfo {
  let cpu = cpus()[0]?.model ?? 'unknown cpu';
  try {
    // /proc/cpuinfo sometimes has the full model where os.cpus() is terse
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1] && m[1].length > cpu.length) cpu = m[1];
  } catch {
    // keep os.cpus()'s model: /proc/cpuinfo is optional here
  }
  return { cpu, cores: cpus().length, kernel: release(), memoryMb: Math.round(totalmem() / 1048576), node: process.version };
}

export function machineLine(m: MachineInfo = machineInfo()): string {
  return `machine: ${m.cpu}, ${m.cores} cores, kernel ${m.kernel}, ${(m.memoryMb / 1024).toFixed(1)} GB RAM, node ${m.node}`;
}

/** Prints the figures for run-all.ts (one line, prefixed so humans can skip it). */
export function emitFigures(bench: string, figures: Figures): void {
  console.log(`#BENCH ${JSON.stringify({ bench, figures })}`);
}

/** Parses every `#BENCH` line of a benchmark's output. */
export function parseFigures(output: string): Map<string, Figures> {
  const out = new Map<string, Figures>();
  for (const line of output.split('\n')) {
    if (!line.startsWith('#BENCH ')) continue;
    const v = JSON.parse(line.slice(7)) as { bench: string; figures: Figures };
    out.set(v.bench, { ...(out.get(v.bench) ?? {}), ...v.figures });
  }
  return out;
}

/** CPU time (user + system) of a process in seconds, from /proc/<pid>/stat (clock ticks of 100 Hz). */
export function cpuSeconds(pid: number | 'self' = 'self'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is state (field 3); utime is field 14, stime 15
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * CPU time of a process's threads in seconds, ns-precise (/proc/<pid>/task/<tid>/schedstat), summed
 * by thread name (`comm`), the main thread as "main": Node 20 leaves its other threads (libuv's
 * pool, V8's helpers) named "node"; the addon's drain thread is "xt-ringbuf". Threads that ended
 * are not counted.
 */
export function threadCpuByName(pid: number | 'self' = 'self'): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      const main = tid === String(pid === 'self' ? process.pid : pid);
      const name = main ? 'main' : readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      byName.set(name, (byName.get(name) ?? 0) + ns / 1e9);
    } catch {
      // thread gone
    }
  }
  return byName;
}

/** CPU time of every thread of a process in seconds, ns-precise; NaN when the process is gone. */
export function threadsCpuSeconds(pid: number | 'self' = 'self'): number {
  try {
    return [...threadCpuByName(pid).values()].reduce((a, b) => a + b, 0);
  } catch {
    return NaN;
  }
}

export interface CpuTimes {
  /** user + nice + system + irq + softirq (guest time is already inside user and nice) */
  busy: number;
  /** idle + iowait */
  idle: number;
  /** time the hypervisor ran something else while this VM wanted the CPU */
  steal: number;
}

/** The whole machine's CPU time (all CPUs) in USER_HZ ticks (1/100 s), from the `cpu` line of /proc/stat. */
export function cpuTimes(): CpuTimes {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  return { busy: user! + nice! + system! + irq! + softirq!, idle: idle! + iowait!, steal: steal! };
}

/** Shares of all CPU time between two readings: stolen by the hypervisor, and idle (nothing runnable). */
export function cpuShares(from: CpuTimes, to: CpuTimes): { steal: number; idle: number } {
  const steal = to.steal - from.steal;
  const idle = to.idle - from.idle;
  const total = to.busy - from.busy + idle + steal;
  return total > 0 ? { steal: steal / total, idle: idle / total } : { steal: 0, idle: 0 };
}

/** Resident set size of a process in MB (VmRSS of /proc/<pid>/status). */
export function rssMb(pid: number | 'self' = 'self'): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The peak RSS of this process since the last resetPeakRss() (VmHWM), in MB: every page, not a sample. */
export function peakRssMb(): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Starts a new peak-RSS window (/proc/self/clear_refs 5 resets VmHWM to the current RSS). */
export function resetPeakRss(): void {
  writeFileSync('/proc/self/clear_refs', '5');
}

/** One line on where this process's memory is: V8 heap, external (Buffers), and the kernel's view. */
export function memoryLine(): string {
  const m = process.memoryUsage();
  const mb = (b: number): string => (b / 1048576).toFixed(1);
  const roll = readFileSync('/proc/self/smaps_rollup', 'utf8')
    .split('\n')
    .filter((l) => /^(Rss|Anonymous|Shared_Clean):/.test(l))
    .map((l) => l.replace(/\s+/g, ' '))
    .join(', ');
  return `rss ${mb(m.rss)} MB: heap ${mb(m.heapTotal)} (used ${mb(m.heapUsed)}), external ${mb(m.external)} (array buffers ${mb(m.arrayBuffers)}); ${roll}`;
}

export function fmtRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  return `${perSecond.toFixed(0)} /s`;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
