/**
 * xtrace running on a lab: a NATS server in the root namespace reachable over the lab's
 * management links, a controller, and one real agent (real BPF) inside every hypervisor
 * namespace, started with that host's clock skew. Used by the end-to-end tests and by
 * `xtrace demo`; `pair()` runs the real `xtrace pair --json`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { freePort, startEmbeddedNats, type EmbeddedNats } from '@xtrace/controller';
import type { Lab } from './lab.js';
import { LabError } from './errors.js';
import { ping } from './traffic/ping.js';
import { runCli, XTRACE_BIN } from '../../support/cli.js';


export interface PairRun {
  code: number;
  report: PairJson | undefined;
  stdout: string;
  stderr: string;
}

/** The parts of `xtrace pair --json` (docs/json-schema.md) the lab reads. */
export interface SegmentJson {
  from: string;
  to: string;
  from_host?: string;
  to_host?: string;
  kind: 'host' | 'wire' | 'vm';
  count: number;
  p50_us: number | null;
  p99_us: number | null;
  max_us: number | null;
  lost: number;
  drop_reasons: Record<string, number>;
  uncertainty_us?: number;
}

export interface PairJson {
  no_traffic: boolean;
  directions: Record<'forward' | 'reverse', { hosts: string[]; packets: number; lost: number; segments: SegmentJson[] }>;
  vm_turnaround: SegmentJson[];
  clock: { hosts: [string, string]; offset_us: number; uncertainty_us: number; samples: number; source: string }[];
  counters: Record<string, number>;
  hosts: { host: string; lost_batches: number; kernel_counters: Record<string, number> }[];
}

interface AgentJson {
  host: string;
  state?: string;
  started_at_ms?: number;
  vms?: { addresses?: string[] }[];
}

export class XtraceStack {
  private readonly agents = new Map<number, ChildProcess>();

  private constructor(
    readonly lab: Lab,
    readonly nats: EmbeddedNats,
    readonly controllerAddress: string,
    private readonly processes: ChildProcess[],
  ) {}

  private startAgent(host: number, clockSkewNs: number): void {
    const h = this.lab.hostSpec(host);
    const child = this.lab.spawnIn(
      h.ns,
      [process.execPath, XTRACE_BIN, 'agent', '--nats', this.lab.managementUrl(this.nats.port, host), '--host-id', this.hostId(host)],
      { env: { ...process.env, XTRACE_CLOCK_SKEW_NS: String(clockSkewNs), XTRACE_LOG_LEVEL: process.env['XTRACE_LOG_LEVEL'] ?? 'info' } },
    );
    const log = createWriteStream(join(this.lab.dir, `agent-hv${host}.log`), { flags: 'a' });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.processes.push(child);
    this.agents.set(host, child);
  }

  /** Restarts host's agent as if its hypervisor clock were skewed by clockSkewNs (test knob). */
  async restartAgent(host: number, clockSkewNs: number): Promise<void> {
    const old = this.agents.get(host);
    const before = (await this.listAgents()).find((a) => a.host === this.hostId(host))?.started_at_ms ?? 0;
    if (old) await stopProcess(old);
    this.startAgent(host, clockSkewNs);
    await this.waitReady(60_000, { host: this.hostId(host), startedAfterMs: before });
  }

  hostId(host: number): string {
    return `${this.lab.prefix}-hv${host}`;
  }

  static async start(lab: Lab, opts: { readyTimeoutMs?: number } = {}): Promise<XtraceStack> {
    const nats = await startEmbeddedNats({ host: '0.0.0.0', instance: `lab-${lab.id}` });
    const processes: ChildProcess[] = [];
    const logTo = (child: ChildProcess, name: string): ChildProcess => {
      const log = createWriteStream(join(lab.dir, `${name}.log`));
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
      processes.push(child);
      return child;
    };
    try {
      const controllerAddress = `127.0.0.1:${await freePort()}`;
      logTo(
        spawn(process.execPath, [XTRACE_BIN, 'controller', '--nats', nats.url, '--listen', controllerAddress], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, XTRACE_LOG_LEVEL: process.env['XTRACE_LOG_LEVEL'] ?? 'info' },
        }),
        'controller',
      );
      const stack = new XtraceStack(lab, nats, controllerAddress, processes);
      for (const host of lab.hosts()) stack.startAgent(host.index, lab.clockSkewNs(host.index));
      await stack.waitReady(opts.readyTimeoutMs ?? 60_000);
      return stack;
    } catch (e: unknown) {
      for (const p of processes) p.kill('SIGKILL');
      await nats.stop();
      throw e;
    }
  }

  /** Every agent registered and every VM address known to the controller (VMs are learned from traffic). */
  private async waitReady(timeoutMs: number, restarted?: { host: string; startedAfterMs: number }): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const vms = this.lab.vms();
    let last: AgentJson[] = [];
    while (Date.now() < deadline) {
      // traffic from every VM teaches the agents its address (BPF learns at tap ingress)
      await Promise.all(vms.map((vm) => ping(this.lab, vm, vms.find((o) => o !== vm)?.ip ?? vm.ip, { count: 1, waitS: 1 }).catch(() => undefined)));
      last = await this.listAgents();
      const up = last.filter((a) => a.state === 'up');
      const known = new Set(up.flatMap((a) => (a.vms ?? []).flatMap((v) => v.addresses ?? [])));
      const fresh = !restarted || up.some((a) => a.host === restarted.host && (a.started_at_ms ?? 0) > restarted.startedAfterMs);
      if (up.length >= this.lab.hostCount && fresh && vms.every((vm) => known.has(vm.ip))) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new LabError(`xtrace stack not ready in ${timeoutMs} ms (agents or VM addresses missing): ${JSON.stringify(last).slice(-800)}`);
  }

  async listAgents(): Promise<AgentJson[]> {
    const r = await this.cli(['agents', '--json', '--controller', this.controllerAddress]);
    if (r.code !== 0) return [];
    return (JSON.parse(r.stdout) as { agents: AgentJson[] }).agents;
  }

  cli(args: string[], timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
    return runCli(args, { timeoutMs });
  }

  /** Runs `xtrace pair --json` between two addresses (extra args: --proto, --duration, ...). */
  async pair(src: string, dst: string, args: string[] = []): Promise<PairRun> {
    const r = await this.cli(['pair', '--src', src, '--dst', dst, '--controller', this.controllerAddress, '--json', ...args]);
    let report: PairJson | undefined;
    try {
      report = r.stdout.trim() ? (JSON.parse(r.stdout) as PairJson) : undefined;
    } catch {
      report = undefined;
    }
    return { ...r, report };
  }

  async stop(): Promise<void> {
    // agents first (they stop their probes), then the controller
    const controller = this.processes[0];
    await Promise.all(this.processes.slice(1).map(stopProcess));
    if (controller) await stopProcess(controller);
    await this.nats.stop();
  }
}

/** SIGTERM, then SIGKILL after 5 s. */
function stopProcess(p: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
    p.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    p.kill('SIGTERM');
  });
}
