/**
 * xtrace running on a namespace lab: the machine-side stack (controller-stack.ts: NATS in the
 * root namespace reachable over the lab's management links, a controller) and one real agent
 * (real BPF) inside every hypervisor namespace, started with that host's clock skew. Used by
 * the end-to-end tests and by `xtrace demo`; `pair()` runs the real `xtrace pair --json`.
 */
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { AgentInfo } from '@xtrace/proto';
import type { Lab } from './lab.js';
import { ControllerStack, stopProcess, type PairRun } from './controller-stack.js';
import { ping } from './traffic/ping.js';
import { XTRACE_BIN } from './xtrace-cli.js';


export interface XtraceStackOptions {
  readyTimeoutMs?: number;
  /** argv run before each agent's node (e.g. setpriv limiting its capabilities) */
  agentWrapper?: readonly string[];
}

export class XtraceStack {
  private readonly agents = new Map<number, ChildProcess>();

  private constructor(
    readonly lab: Lab,
    private readonly machine: ControllerStack,
    private readonly agentWrapper: readonly string[] = [],
  ) {}

  get nats(): ControllerStack['nats'] {
    return this.machine.nats;
  }

  get controllerAddress(): string {
    return this.machine.controllerAddress;
  }

  private startAgent(host: number, clockSkewNs: number): void {
    const h = this.lab.hostSpec(host);
    const child = this.lab.spawnIn(
      h.ns,
      [...this.agentWrapper, process.execPath, XTRACE_BIN, 'agent', '--nats', this.lab.managementUrl(this.nats.port, host), '--host-id', this.hostId(host)],
      { env: { ...process.env, XTRACE_CLOCK_SKEW_NS: String(clockSkewNs), XTRACE_LOG_LEVEL: process.env['XTRACE_LOG_LEVEL'] ?? 'info' } },
    );
    const log = createWriteStream(join(this.lab.dir, `agent-hv${host}.log`), { flags: 'a' });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.agents.set(host, child);
  }

  /** Restarts host's agent as if its hypervisor clock were skewed by clockSkewNs (test knob). */
  async restartAgent(host: number, clockSkewNs: number): Promise<void> {
    const old = this.agents.get(host);
    const before = (await this.listAgents()).find((a) => a.host === this.hostId(host))?.started_at_ms ?? 0;
    if (old) await stopProcess(old);
    this.startAgent(host, clockSkewNs);
    await this.waitReady(60_000, { [this.hostId(host)]: before });
  }

  /** the pid of host's agent process (the wrapper execs it: the same pid) */
  agentPid(host: number): number | undefined {
    return this.agents.get(host)?.pid;
  }

  hostId(host: number): string {
    return `${this.lab.prefix}-hv${host}`;
  }

  static async start(lab: Lab, opts: XtraceStackOptions = {}): Promise<XtraceStack> {
    const machine = await ControllerStack.start({ natsHost: '0.0.0.0', instance: `lab-${lab.id}`, logDir: lab.dir });
    const stack = new XtraceStack(lab, machine, opts.agentWrapper);
    try {
      for (const host of lab.hosts()) stack.startAgent(host.index, lab.clockSkewNs(host.index));
      await stack.waitReady(opts.readyTimeoutMs ?? 60_000);
      return stack;
    } catch (e: unknown) {
      for (const p of stack.agents.values()) p.kill('SIGKILL');
      await machine.stop();
      throw e;
    }
  }

  /** Every agent registered and every VM address known to the controller (VMs are learned from traffic). */
  private async waitReady(timeoutMs: number, startedAfterMs?: Record<string, number>): Promise<void> {
    const vms = this.lab.vms();
    // traffic from every VM teaches the agents its address (BPF learns at tap ingress)
    const nudge = () =>
      Promise.all(vms.map((vm) => ping(this.lab, vm, vms.find((o) => o !== vm)?.ip ?? vm.ip, { count: 1, waitS: 1 }).catch(() => undefined)));
    const hosts = this.lab.hosts().map((h) => this.hostId(h.index));
    await this.machine.waitAgents({ hosts, vmAddresses: vms.map((vm) => vm.ip), ...(startedAfterMs ? { startedAfterMs } : {}) }, timeoutMs, nudge);
  }

  listAgents(): Promise<AgentInfo[]> {
    return this.machine.listAgents();
  }

  cli(args: string[], timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
    return this.machine.cli(args, timeoutMs);
  }

  /** Runs `xtrace pair --json` between two addresses (extra args: --proto, --duration, ...); `until`: ControllerStack.pair. */
  pair(src: string, dst: string, args: string[] = [], until?: Promise<unknown>): Promise<PairRun> {
    return this.machine.pair(src, dst, args, undefined, until);
  }

  async stop(): Promise<void> {
    // agents first (they stop their probes), then the controller
    await Promise.all([...this.agents.values()].map(stopProcess));
    await this.machine.stop();
  }
}
