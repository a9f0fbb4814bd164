/**
 * The machine-side half of an xtrace deployment for a lab: a NATS server and a controller
 * process, and the real CLI against them (`xtrace pair --json`, `xtrace agents --json`). The
 * agents run inside the lab's hypervisors, started by whoever knows how to reach them: network
 * namespaces (xtrace-stack.ts) or nested hypervisors (the nested lab's own agents).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { startEmbeddedNats, type EmbeddedNats } from '@xtrace/controller';
import { exitDescription, freePort, hasExited, type AgentInfo, type PairReport } from '@xtrace/proto';
import { LabError } from './errors.js';
import { runCli, XTRACE_BIN } from './xtrace-cli.js';

export interface PairRun {
  code: number;
  /** `xtrace pair --json`'s report (docs/json-schema.md); undefined when it printed none */
  report: PairReport | undefined;
  stdout: string;
  stderr: string;
}

interface ControllerStackOptions {
  /** where NATS listens: '0.0.0.0' when agents reach it over lab links, else loopback */
  natsHost?: string;
  /** NATS server instance name (its store directory) */
  instance: string;
  /** the controller's log goes to `<logDir>/controller.log` */
  logDir: string;
}

export class ControllerStack {
  private constructor(
    readonly nats: EmbeddedNats,
    readonly controllerAddress: string,
    private readonly controller: ChildProcess,
  ) {}

  static async start(opts: ControllerStackOptions): Promise<ControllerStack> {
    const nats = await startEmbeddedNats({ ...(opts.natsHost ? { host: opts.natsHost } : {}), instance: opts.instance });
    try {
      const controllerAddress = `127.0.0.1:${await freePort()}`;
      const controller = spawn(process.execPath, [XTRACE_BIN, 'controller', '--nats', nats.url, '--listen', controllerAddress], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, XTRACE_LOG_LEVEL: process.env['XTRACE_LOG_LEVEL'] ?? 'info' },
      });
      const log = createWriteStream(join(opts.logDir, 'controller.log'), { flags: 'a' });
      controller.stdout?.pipe(log);
      controller.stderr?.pipe(log);
      const stack = new ControllerStack(nats, controllerAddress, controller);
      controller.stderr?.on('data', (d: Buffer) => void (stack.controllerTail = (stack.controllerTail + d.toString()).slice(-2000)));
      return stack;
    } catch (e: unknown) {
      await nats.stop();
      throw e;
    }
  }

  cli(args: string[], timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
    return runCli(args, { timeoutMs });
  }

  /** why the last listAgents() found none: the CLI's exit and stderr when it failed */
  private lastListFailure = '';
  /** the end of the controller's log, for failures that say it is not there */
  private controllerTail = '';

  async listAgents(): Promise<AgentInfo[]> {
    const r = await this.cli(['agents', '--json', '--controller', this.controllerAddress]);
    if (r.code !== 0) {
      const c = this.controller;
      const controller = hasExited(c) ? `; the controller ${exitDescription(c)}, its log ended: ${this.controllerTail.trim()}` : '';
      this.lastListFailure = `xtrace agents exited ${r.code}: ${r.stderr.trim().slice(-600)}${controller}`;
      return [];
    }
    this.lastListFailure = '';
    return (JSON.parse(r.stdout) as { agents: AgentInfo[] }).agents;
  }

  /**
   * Until every host's agent is up (started after `startedAfterMs`, when given) and knows
   * every VM address (agents learn them from traffic: `nudge` sends some).
   */
  async waitAgents(
    want: { hosts: string[]; vmAddresses: string[]; startedAfterMs?: Record<string, number> },
    timeoutMs: number,
    nudge: () => Promise<unknown> = async () => undefined,
  ): Promise<AgentInfo[]> {
    const deadline = Date.now() + timeoutMs;
    let last: AgentInfo[] = [];
    while (Date.now() < deadline) {
      await nudge();
      last = await this.listAgents();
      const up = last.filter((a) => a.state === 'up' && want.hosts.includes(a.host) && a.started_at_ms > (want.startedAfterMs?.[a.host] ?? 0));
      const known = new Set(up.flatMap((a) => a.vms.flatMap((v) => v.addresses)));
      if (up.length === want.hosts.length && want.vmAddresses.every((ip) => known.has(ip))) return last;
      await new Promise((r) => setTimeout(r, 500));
    }
    const failed = this.lastListFailure ? `; the last list failed: ${this.lastListFailure}` : '';
    throw new LabError(`agents not ready in ${timeoutMs} ms (agents or VM addresses missing): ${JSON.stringify(last).slice(-800)}${failed}`);
  }

  /**
   * Runs `xtrace pair --json` between two addresses (extra args: --proto, --duration, ...).
   * With `until`, the probe is stopped as a user stops it (^C: the final summary is printed) once
   * `until` settles, so the capture ends when the traffic does however slow the machine is;
   * --duration is then only the upper bound.
   */
  async pair(src: string, dst: string, args: string[] = [], timeoutMs = 120_000, until?: Promise<unknown>): Promise<PairRun> {
    const run = runCli(['pair', '--src', src, '--dst', dst, '--controller', this.controllerAddress, '--json', ...args], { timeoutMs });
    let exited = false;
    const stop = (): void => {
      if (!exited) run.kill('SIGINT');
    };
    // settled either way: a rejected `until` stops the probe too (and is not left unhandled)
    until?.then(stop, stop);
    const r = await run.finally(() => (exited = true));
    let report: PairReport | undefined;
    try {
      report = r.stdout.trim() ? (JSON.parse(r.stdout) as PairReport) : undefined;
    } catch {
      report = undefined;
    }
    return { ...r, report };
  }

  async stop(): Promise<void> {
    await stopProcess(this.controller);
    await this.nats.stop();
  }
}

/** SIGTERM, then SIGKILL after 5 s. */
export function stopProcess(p: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (hasExited(p)) return resolve();
    const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
    p.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    p.kill('SIGTERM');
  });
}
