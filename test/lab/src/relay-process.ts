import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { LabError } from './errors.js';
import { pidRunning, run, sleep } from './shell.js';
import type { ResolvedRelayKnobs } from './spec.js';
import type { Summary } from './traffic/summary.js';

const here = dirname(fileURLToPath(import.meta.url));
const RELAY_DIR = resolve(here, '..', 'relay');
const RELAY_BIN = join(RELAY_DIR, 'build', 'xtrace-relay');
/** The C UDP echo service of a lab VM (test/lab/relay/udp-echo.c). */
export const UDP_ECHO_BIN = join(RELAY_DIR, 'build', 'xtrace-udp-echo');

/** Builds the lab's C tools if one is missing (setup.sh normally does `make -C test/lab/relay`). */
export async function ensureLabTools(): Promise<void> {
  if (!existsSync(RELAY_BIN) || !existsSync(UDP_ECHO_BIN)) await run(['make', '-C', RELAY_DIR], { timeoutMs: 120_000 });
}

/** What the lab records about one relay process. */
export interface RelayRecord {
  name: string;
  kind: 'vm' | 'wire';
  /** end a: namespace + tap name; end b likewise */
  aNs: string;
  aTap: string;
  bNs: string;
  bTap: string;
  knobs: ResolvedRelayKnobs;
  seed: number;
  spinUs: number;
  /** `<lab prefix>/<name>`, passed as --tag (identifies the process in /proc) */
  tag: string;
  pid: number;
  statsFile: string;
  pidFile: string;
  logFile: string;
  truthFile?: string;
}

/** A relay's delay samples summed up as summarize() sums up traffic's (the same nearest-rank percentiles). */
export type Distribution = Summary;

export interface RelayDirectionStats {
  in: number;
  out: number;
  /** injected loss */
  dropped: number;
  /** queue full (not injected loss) */
  overflow: number;
  writeErr: number;
  oversize: number;
  /** non-IP frames (never subject to loss) */
  nonIp: number;
  bytesIn: number;
  bytesOut: number;
  queued: number;
  delayUs: number;
  jitterUs: number;
  loss: number;
  /**
   * Where a frame's time in the relay starts: 'kernel' = the kernel's transmit on the input tap
   * (its stamp on a packet socket there), so the relay's wake-up and read count, as they do in
   * the wire or virtual NIC the relay stands for; 'read' = when read() returned it (the packet
   * socket could not be opened, see stampError, or --read-stamps).
   */
  enqueueClock: 'kernel' | 'read';
  stampError: string;
  /** frames read with their kernel stamp / without one (the read time stood in) */
  stamped: number;
  unstamped: number;
  /** stamps of frames the relay never read (the tap's queue dropped them) */
  stampsSkipped: number;
  /** write_ts - enqueue_ts of forwarded frames: the truth for the segment the relay stands for */
  residenceNs: Distribution;
  /** write_ts - due_ts (how late the relay was against its schedule; due = enqueue + delay + jitter) */
  latenessNs: Distribution;
  /** read_ts - enqueue_ts: the relay's wake-up and read, part of the residence */
  readLagNs: Distribution;
}

export interface RelayStats {
  tag: string;
  pid: number;
  monoNs: number;
  uptimeNs: number;
  seed: number;
  resets: number;
  a: { ns: string; tap: string };
  b: { ns: string; tap: string };
  ab: RelayDirectionStats;
  ba: RelayDirectionStats;
}

interface RawDir {
  in: number;
  out: number;
  dropped: number;
  overflow: number;
  write_err: number;
  oversize: number;
  nonip: number;
  bytes_in: number;
  bytes_out: number;
  queued: number;
  delay_us: number;
  jitter_us: number;
  loss: number;
  enqueue_clock: 'kernel' | 'read';
  stamp_error: string;
  stamped: number;
  unstamped: number;
  stamps_skipped: number;
  residence_ns: Distribution;
  lateness_ns: Distribution;
  read_lag_ns: Distribution;
}

interface RawStats {
  tag: string;
  pid: number;
  mono_ns: number;
  uptime_ns: number;
  seed: number;
  resets: number;
  a: { ns: string; tap: string };
  b: { ns: string; tap: string };
  ab: RawDir;
  ba: RawDir;
}

const convDir = (d: RawDir): RelayDirectionStats => ({
  in: d.in,
  out: d.out,
  dropped: d.dropped,
  overflow: d.overflow,
  writeErr: d.write_err,
  oversize: d.oversize,
  nonIp: d.nonip,
  bytesIn: d.bytes_in,
  bytesOut: d.bytes_out,
  queued: d.queued,
  delayUs: d.delay_us,
  jitterUs: d.jitter_us,
  loss: d.loss,
  enqueueClock: d.enqueue_clock,
  stampError: d.stamp_error,
  stamped: d.stamped,
  unstamped: d.unstamped,
  stampsSkipped: d.stamps_skipped,
  residenceNs: d.residence_ns,
  latenessNs: d.lateness_ns,
  readLagNs: d.read_lag_ns,
});

/** Parses one stats JSON line of xtrace-relay. */
function parseRelayStats(text: string): RelayStats {
  const r = JSON.parse(text) as RawStats;
  return {
    tag: r.tag,
    pid: r.pid,
    monoNs: r.mono_ns,
    uptimeNs: r.uptime_ns,
    seed: r.seed,
    resets: r.resets,
    a: r.a,
    b: r.b,
    ab: convDir(r.ab),
    ba: convDir(r.ba),
  };
}

function readStatsFile(file: string): RelayStats | undefined {
  try {
    return parseRelayStats(readFileSync(file, 'utf8'));
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LabError(`cannot read relay stats ${file}`, { cause: e });
  }
}

/** Command line of a pid ('' when gone or a zombie). */
function procCmdline(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return '';
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return ''; // the process is gone: nothing to report
  }
}

/** True when pid is a live xtrace-relay carrying exactly this tag. */
export function isRelayProcess(pid: number, tag: string): boolean {
  if (pid <= 0) return false;
  const argv = procCmdline(pid).split(' ');
  const k = argv.indexOf('--tag');
  return argv.some((a) => a.endsWith('xtrace-relay')) && k >= 0 && argv[k + 1] === tag;
}

/** Live relay processes whose tag starts with `tagPrefix` (scan of /proc). */
export function findRelayPids(tagPrefix: string): Array<{ pid: number; tag: string }> {
  const out: Array<{ pid: number; tag: string }> = [];
  for (const ent of readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    const argv = procCmdline(Number(ent)).split(' ');
    if (!argv.some((a) => a.endsWith('xtrace-relay'))) continue;
    const k = argv.indexOf('--tag');
    const tag = k >= 0 ? argv[k + 1] : undefined;
    if (tag !== undefined && tag.startsWith(tagPrefix)) out.push({ pid: Number(ent), tag });
  }
  return out;
}

function relayArgs(r: Omit<RelayRecord, 'pid'>): string[] {
  const k = r.knobs;
  const args = [
    '--a-ns', r.aNs, '--a-tap', r.aTap, '--b-ns', r.bNs, '--b-tap', r.bTap,
    '--delay-ab-us', String(k.ab.delayUs), '--delay-ba-us', String(k.ba.delayUs),
    '--jitter-ab-us', String(k.ab.jitterUs), '--jitter-ba-us', String(k.ba.jitterUs),
    '--loss-ab', String(k.ab.loss), '--loss-ba', String(k.ba.loss),
    '--seed', String(r.seed), '--spin-us', String(r.spinUs),
    '--stats', r.statsFile, '--pidfile', r.pidFile, '--tag', r.tag,
  ];
  if (r.truthFile) args.push('--truth', r.truthFile);
  return args;
}

/** Starts a detached relay (it outlives the calling process) and waits until both taps are open. */
export async function startRelay(r: Omit<RelayRecord, 'pid'>): Promise<RelayRecord> {
  await ensureLabTools();
  const bin = RELAY_BIN;
  rmSync(r.pidFile, { force: true });
  rmSync(r.statsFile, { force: true });
  const log = openSync(r.logFile, 'a');
  let exited: string | undefined;
  let child;
  try {
    child = spawn(bin, relayArgs(r), { detached: true, stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
  child.on('error', (e: unknown) => (exited = String(e)));
  child.on('exit', (code, sig) => (exited = `exit ${code ?? sig}`));
  child.unref();
  const deadline = Date.now() + 5000;
  while (!existsSync(r.pidFile)) {
    if (exited !== undefined || Date.now() > deadline) {
      let logText = '';
      try {
        logText = readFileSync(r.logFile, 'utf8').trim().split('\n').slice(-5).join(' | ');
      } catch {
        // no log: the message says so
      }
      if (child.pid !== undefined && exited === undefined) process.kill(child.pid, 'SIGKILL');
      throw new LabError(`relay ${r.tag} did not start (${exited ?? 'timeout'}): ${logText || 'no log'}`);
    }
    await sleep(5);
  }
  if (child.pid === undefined) throw new LabError(`relay ${r.tag}: no pid`);
  return { ...r, pid: child.pid };
}

/** SIGTERM (final stats written), then SIGKILL after 2 s. Only signals a pid that is this relay. */
export async function stopRelay(pid: number, tag: string): Promise<void> {
  if (!isRelayProcess(pid, tag)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 2000;
  // wait for the process to be gone, not just to stop looking like a relay: its taps stay
  // attached (TUNSETIFF by a successor fails with EBUSY) until it has fully exited
  while (isRelayProcess(pid, tag) || pidRunning(pid)) {
    if (Date.now() > deadline + 3000) throw new LabError(`relay ${tag} (pid ${pid}) did not exit`);
    if (Date.now() > deadline && pidRunning(pid)) process.kill(pid, 'SIGKILL');
    await sleep(5);
  }
}

/** Asks a live relay for fresh stats (SIGUSR1) and reads them back. */
export async function queryRelayStats(r: RelayRecord, timeoutMs = 2000): Promise<RelayStats> {
  if (!isRelayProcess(r.pid, r.tag)) {
    const last = readStatsFile(r.statsFile);
    if (last) return last; // final stats of a stopped relay
    throw new LabError(`relay ${r.tag} (pid ${r.pid}) is not running and left no stats`);
  }
  const before = readStatsFile(r.statsFile)?.monoNs ?? -1;
  process.kill(r.pid, 'SIGUSR1');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = readStatsFile(r.statsFile);
    if (s && s.monoNs > before) return s;
    if (Date.now() > deadline) throw new LabError(`relay ${r.tag}: no stats after ${timeoutMs} ms`);
    await sleep(2);
  }
}

/** Resets a relay's counters and samples (SIGUSR2) and waits until it confirms. */
export async function resetRelayStats(r: RelayRecord): Promise<void> {
  const before = (await queryRelayStats(r)).resets;
  process.kill(r.pid, 'SIGUSR2');
  const deadline = Date.now() + 2000;
  for (;;) {
    await sleep(2);
    if ((await queryRelayStats(r)).resets > before) return;
    if (Date.now() > deadline) throw new LabError(`relay ${r.tag}: reset not confirmed`);
  }
}
