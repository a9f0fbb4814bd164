/**
 * Embedded NATS: `xtrace controller` without --nats starts /usr/sbin/nats-server as a child
 * on loopback (free port, JetStream on, temp store dir). The child dies with us: killed on
 * close/exit, and via PR_SET_PDEATHSIG (setpriv --pdeathsig) when we crash; a pid file lets
 * the next start kill a stale server of ours left by an older crash.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pino from 'pino';
import { XtraceError, errorMessage, freePort, hasExited, spawnTied } from '@xtrace/proto';

/** re-exported for callers of the controller: it lives in proto/src/free-port.ts, so the lab and the CLI need not load the controller */
export { freePort };

export const NATS_SERVER_BIN = process.env.XTRACE_NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
const STORE_PREFIX = 'xtrace-nats-';

export interface EmbeddedNats {
  url: string;
  port: number;
  pid: number;
  storeDir: string;
  stop(): Promise<void>;
}

interface EmbeddedNatsOptions {
  logger?: pino.Logger;
  /** names the pid file: one embedded server per controller instance (e.g. its listen address) */
  instance?: string;
  port?: number;
  /** directory of pid files (default $XDG_RUNTIME_DIR/xtrace or /tmp/xtrace-run) */
  runDir?: string;
  /** listen address (default 127.0.0.1; the lab binds 0.0.0.0 so agents in namespaces reach it) */
  host?: string;
}

function defaultRunDir(): string {
  return process.env.XDG_RUNTIME_DIR ? join(process.env.XDG_RUNTIME_DIR, 'xtrace') : join(tmpdir(), 'xtrace-run');
}

/** Kills the process in `pidFile` if it is still a nats-server started by us. */
function killStale(pidFile: string, log: pino.Logger | undefined): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  rmSync(pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 1) return;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return; // gone already
  }
  if (cmdline.includes('nats-server') && cmdline.includes(STORE_PREFIX)) {
    log?.warn({ pid }, 'killing a stale embedded nats-server left by an earlier controller');
    try {
      process.kill(pid, 'SIGKILL');
    } catch (e: unknown) {
      log?.warn({ err: e, pid }, 'could not kill stale nats-server');
    }
  }
}

async function waitReady(child: ChildProcess, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      cleanup();
      reject(new XtraceError('unreachable', `nats-server did not become ready on port ${port} within ${timeoutMs} ms: ${out.slice(-500)}`));
    }, timeoutMs);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.includes('Server is ready')) {
        cleanup();
        resolve();
      }
    };
    const onExit = (code: number | null, sig: string | null): void => {
      cleanup();
      reject(new XtraceError('unreachable', `nats-server exited (code ${code}, signal ${sig}): ${out.slice(-500)}`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

export async function startEmbeddedNats(opts: EmbeddedNatsOptions = {}): Promise<EmbeddedNats> {
  const log = opts.logger;
  const runDir = opts.runDir ?? defaultRunDir();
  mkdirSync(runDir, { recursive: true });
  const instance = (opts.instance ?? 'default').replace(/[^A-Za-z0-9_.-]/g, '_');
  const pidFile = join(runDir, `embedded-nats-${instance}.pid`);
  killStale(pidFile, log);
  if (!existsSync(NATS_SERVER_BIN)) throw new XtraceError('unreachable', `no --nats given and ${NATS_SERVER_BIN} is not installed (apt-get install nats-server)`);

  const storeDir = await mkdtemp(join(tmpdir(), STORE_PREFIX));
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePort());
  const args = ['-a', host, '-p', String(port), '-js', '-sd', storeDir, '-n', `xtrace-embedded-${instance}`];
  const child = spawnTied(NATS_SERVER_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new XtraceError('unreachable', `could not spawn ${NATS_SERVER_BIN}`);
  writeFileSync(pidFile, String(pid));
  const onExit = (): void => {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
    rmSync(pidFile, { force: true });
  };
  process.once('exit', onExit);
  try {
    await waitReady(child, port, 10_000);
  } catch (e: unknown) {
    onExit();
    process.off('exit', onExit);
    rmSync(storeDir, { recursive: true, force: true });
    throw e;
  }
  // keep draining stderr so the pipe never fills
  child.stderr?.on('data', () => {});
  const url = `nats://127.0.0.1:${port}`;
  log?.info({ url, pid, storeDir }, 'embedded nats-server started');
  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    pid,
    storeDir,
    stop: () =>
      (stopped ??= (async () => {
        process.off('exit', onExit);
        if (!hasExited(child)) {
          const exited = new Promise<void>((r) => child.once('exit', () => r()));
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), 3000);
          await exited;
          clearTimeout(t);
        }
        rmSync(pidFile, { force: true });
        try {
          rmSync(storeDir, { recursive: true, force: true });
        } catch (e: unknown) {
          log?.warn({ err: e, storeDir }, `removing store dir failed: ${errorMessage(e)}`);
        }
      })()),
  };
}
