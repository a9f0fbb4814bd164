/**
 * A lab of nested hypervisors (test/lab/README.md, "Nested hypervisors"): each hypervisor is a
 * Debian distro kernel under QEMU TCG with the machine's root filesystem, Open vSwitch (kernel
 * datapath) bridging its VMs' taps and a VXLAN port to the other hypervisor, and VMs that are
 * KVM guests (nested SVM) with vhost-net; optionally the xtrace agent in each hypervisor,
 * talking to a NATS server on the machine's loopback.
 */
import { mkdirSync } from 'node:fs';
import { UsageError } from '@xtrace/proto';
import { sleep } from '../shell.js';
import { HYPERVISOR_RUN_DIR, NESTED_HOSTS, hypervisorName, underlayIp, vmIp, vmMac, vmTap } from './addresses.js';
import { prepareKernel, prepareVmImage } from './assets.js';
import type { CommandReply } from './control-channel.js';
import { NestedCommandError, NestedLabError, type LogTail } from './errors.js';
import { guestClientBoundMs, guestClientCommand, parseGuestClientOutput, type GuestClientOptions, type GuestClientResult } from './guest-client.js';
import { Hypervisor, type HypervisorLogs } from './hypervisor.js';
import {
  AGENT_EXITED_RE,
  AGENT_RUNNING_RE,
  agentStartCommand,
  agentStopCommand,
  ovsSetupCommand,
  vmStartCommand,
  vmWaitReadyCommand,
} from './hypervisor-scripts.js';
import { fileSize, readFrom, tailOf } from './log-file.js';
import { hypervisorControlSocket, hypervisorJobDir, nestedLabDir } from './paths.js';
import { assertNestedLabPrerequisites } from './prerequisites.js';
import { DEFAULT_AGENT_TIMEOUT_MS, resolveNestedSpec, type NestedAgentOptions, type NestedLabSpec } from './spec.js';
import { writeNestedState, type NestedLabState } from './state.js';
import { teardownNestedLab, teardownNestedLabs, type NestedTeardownReport } from './teardown.js';
import type { HypervisorTimings, NestedLabTimings } from './timings.js';
import { freeUdpPorts } from './udp-ports.js';

export interface NestedVm {
  host: number;
  index: number;
  ip: string;
  mac: string;
  /** its tap on the hypervisor's OVS bridge */
  tap: string;
}

interface NestedExecResult {
  code: number;
  stdout: string;
  stderr: string;
  /** how long it ran in the hypervisor */
  ms: number;
}

export class NestedLab {
  private constructor(
    private readonly st: NestedLabState,
    private readonly hypervisors: Hypervisor[],
    readonly timings: NestedLabTimings,
  ) {}

  get id(): string {
    return this.st.id;
  }
  get kernelVersion(): string {
    return this.st.kver;
  }
  get hostCount(): number {
    return this.hypervisors.length;
  }
  get vmsPerHost(): number {
    return this.st.vmsPerHost;
  }
  get dir(): string {
    return nestedLabDir(this.st.id);
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Boots every hypervisor in parallel; resolves when each one's OVS forwards, its VMs are ready
   * and VM (i, 0) reaches VM (other, 0) across VXLAN (ping and an echo exchange), and, if asked,
   * each agent's log says it runs. On failure everything started is torn down before it throws.
   */
  static async up(spec: NestedLabSpec): Promise<NestedLab> {
    const t0 = Date.now();
    const resolved = resolveNestedSpec(spec);
    assertNestedLabPrerequisites();
    const deadline = t0 + resolved.timeoutMs;

    const kernel = await prepareKernel(spec.kernel);
    const vmImage = await prepareVmImage();
    const assetsMs = Date.now() - t0;
    const ports = await freeUdpPorts(NESTED_HOSTS);
    const id = resolved.id;
    const st: NestedLabState = {
      id,
      createdAt: new Date().toISOString(),
      phase: 'building',
      ownerPid: process.pid,
      kernel: spec.kernel,
      kver: kernel.kver,
      natsPort: spec.natsPort,
      vmsPerHost: resolved.vmsPerHost,
      hosts: ports.map((port, i) => ({
        index: i,
        name: hypervisorName(id, i),
        jobDir: hypervisorJobDir(id, i),
        controlSocket: hypervisorControlSocket(id, i),
        underlayPort: port,
      })),
    };
    mkdirSync(nestedLabDir(id), { recursive: true });
    writeNestedState(st); // before anything starts: teardown finds whatever follows

    const hypervisors: Hypervisor[] = [];
    const timings: NestedLabTimings = { upMs: 0, assetsMs, crossCheckMs: 0, hosts: [] };
    const lab = new NestedLab(st, hypervisors, timings);
    try {
      for (const h of st.hosts) {
        const hv = Hypervisor.start({
          labId: id,
          index: h.index,
          name: h.name,
          kernel,
          vmImage,
          memoryMb: resolved.memoryMb,
          natsPort: spec.natsPort,
          underlay: { localPort: h.underlayPort, peerPort: st.hosts[(h.index + 1) % NESTED_HOSTS]!.underlayPort },
          jobDir: h.jobDir,
          controlSocket: h.controlSocket,
          vmsPerHost: resolved.vmsPerHost,
        });
        hypervisors.push(hv);
        h.qemuPid = hv.pid;
        writeNestedState(st);
      }
      timings.hosts = await Promise.all(hypervisors.map((hv) => lab.bringUp(hv, resolved.vmMemoryMb, deadline)));
      const c0 = Date.now();
      await lab.crossCheck(deadline);
      timings.crossCheckMs = Date.now() - c0;
      if (spec.agent?.start) {
        const agentMs = await Promise.all(hypervisors.map((hv) => lab.startAgent(hv.index, spec.agent)));
        agentMs.forEach((ms, i) => (timings.hosts[i]!.agentMs = ms));
      }
      st.phase = 'up';
      writeNestedState(st);
      timings.upMs = Date.now() - t0;
      return lab;
    } catch (e: unknown) {
      await teardownNestedLab(id).catch(() => undefined);
      throw e;
    }
  }

  /** Powers every hypervisor off (killing what does not stop), kills leftovers, removes the state. Idempotent. */
  async down(): Promise<NestedTeardownReport> {
    await Promise.all(this.hypervisors.map((hv) => hv.powerOff()));
    return teardownNestedLab(this.st.id);
  }

  /** Kills the leftovers of crashed runs (see teardownNestedLabs); `all` takes live labs of other processes too. */
  static teardownAll(opts: { all?: boolean } = {}): Promise<NestedTeardownReport[]> {
    return teardownNestedLabs(opts);
  }

  // ---------------------------------------------------------------- topology

  /** The agent's --host-id of hypervisor i (also its hostname). */
  hostId(i: number): string {
    return this.hv(i).options.name;
  }

  vm(i: number, j: number): NestedVm {
    this.hv(i);
    if (!Number.isInteger(j) || j < 0 || j >= this.st.vmsPerHost) throw new UsageError('vm', `no VM ${j} on hypervisor ${i} (${this.st.vmsPerHost} per host)`);
    return { host: i, index: j, ip: vmIp(i, j), mac: vmMac(i, j), tap: vmTap(j) };
  }

  vms(): NestedVm[] {
    return this.hypervisors.flatMap((hv) => Array.from({ length: this.st.vmsPerHost }, (_, j) => this.vm(hv.index, j)));
  }

  /** Underlay address of hypervisor i (its NIC `underlay0`). */
  underlayIp(i: number): string {
    this.hv(i);
    return underlayIp(i);
  }

  logs(i: number): HypervisorLogs {
    return this.hv(i).logs();
  }

  // ---------------------------------------------------------------- commands

  /** Runs a bash script as root in hypervisor i; a non-zero exit is returned, a timeout throws. */
  async exec(i: number, script: string, opts: { timeoutMs?: number } = {}): Promise<NestedExecResult> {
    const r = await this.hv(i).exec(script, opts.timeoutMs ?? 60_000).catch((e: unknown) => {
      throw new NestedCommandError(`hypervisor ${i}`, script, undefined, 'cannot run', { cause: e, log: this.hv(i).consoleTail() });
    });
    if (r.timedOut || r.code === null) throw new NestedCommandError(`hypervisor ${i}`, script, r, r.timedOut ? `timed out after ${opts.timeoutMs ?? 60_000} ms` : `killed by ${r.signal}`);
    return { code: r.code, stdout: r.stdout, stderr: r.stderr, ms: r.ms };
  }

  /** Runs a busybox sh script in VM (i, j) over its serial console; returns its output (stdout and stderr); a non-zero exit throws. */
  async vmExec(i: number, j: number, command: string, opts: { timeoutMs?: number } = {}): Promise<string> {
    this.vm(i, j);
    const where = `vm ${i}/${j}`;
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const r = await this.hv(i).vm(j, command, timeoutMs).catch((e: unknown) => {
      throw new NestedCommandError(where, command, undefined, 'cannot run', { cause: e, log: this.hv(i).consoleTail() });
    });
    if (r.code !== 0) {
      const why = r.timedOut ? `no answer in ${timeoutMs} ms` : r.code === 125 ? 'console gone' : `exit ${r.code}`;
      throw new NestedCommandError(where, command, r, why, { log: tailOf(this.logs(i).vmConsoles[j]!, 30) });
    }
    return r.stdout;
  }

  /** The pid of VM (i, j)'s QEMU inside hypervisor i (its vhost worker is `vhost-<pid>`). */
  async vmQemuPid(i: number, j: number): Promise<number> {
    this.vm(i, j);
    const r = await this.run(i, `cat ${HYPERVISOR_RUN_DIR}/vm${j}.pid`, 10_000);
    return Number(r.stdout.trim());
  }

  /** Runs `xtrace-guest client` in VM (i, j) against its echo servers; returns the parsed summary (and exchanges). */
  async guestClient(i: number, j: number, o: GuestClientOptions): Promise<GuestClientResult> {
    const out = await this.vmExec(i, j, guestClientCommand(o), { timeoutMs: guestClientBoundMs(o) + 30_000 });
    return parseGuestClientOutput(out);
  }

  // ---------------------------------------------------------------- agents

  /**
   * Starts `xtrace agent` in hypervisor i (`--nats` the forwarded NATS, `--host-id hostId(i)`,
   * `--nic underlay0` when the CLI has that option, then opts.args); resolves with how long it
   * took until its log said "agent running". Its log: logs(i).agent.
   */
  async startAgent(i: number, opts: NestedAgentOptions = {}): Promise<number> {
    const t0 = Date.now();
    const log = this.logs(i).agent;
    const from = fileSize(log);
    const env = { XTRACE_LOG_LEVEL: process.env['XTRACE_LOG_LEVEL'] ?? 'info', ...opts.env };
    await this.run(i, agentStartCommand(this.hostId(i), opts.args ?? [], env), 30_000);
    const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_AGENT_TIMEOUT_MS);
    for (;;) {
      const text = readFrom(log, from);
      if (AGENT_RUNNING_RE.test(text)) return Date.now() - t0;
      const why = AGENT_EXITED_RE.exec(text)?.[0] ?? this.hv(i).exitReason ?? (Date.now() > deadline ? `its log did not say it runs in ${opts.timeoutMs ?? DEFAULT_AGENT_TIMEOUT_MS} ms` : undefined);
      if (why) throw new NestedLabError(`hypervisor ${i}: agent not running: ${why}`, { log: tailOf(log, 30) });
      await sleep(500);
    }
  }

  /** Stops hypervisor i's agent (SIGTERM, SIGKILL after 10 s). */
  async stopAgent(i: number): Promise<void> {
    await this.run(i, agentStopCommand(), 30_000);
  }

  // ---------------------------------------------------------------- bring-up

  private hv(i: number): Hypervisor {
    const hv = this.hypervisors[i];
    if (!hv) throw new UsageError('host', `no hypervisor ${i} (lab ${this.st.id} has ${this.hypervisors.length})`);
    return hv;
  }

  /** Runs a lab script in hypervisor i; a failure throws with its output. */
  private async run(i: number, script: string, timeoutMs: number, log: () => LogTail = () => this.hv(i).consoleTail(20)): Promise<CommandReply> {
    const r = await this.hv(i).exec(script, timeoutMs);
    if (r.code !== 0) {
      throw new NestedCommandError(`hypervisor ${i}`, script, r, r.timedOut ? `timed out after ${timeoutMs} ms` : `exit ${r.code ?? r.signal}`, { log: log() });
    }
    return r;
  }

  /** What tells why VMs of hypervisor i did not come up: a VM QEMU's complaint, a VM's console, else the hypervisor's console. */
  private vmFailureLog(i: number): LogTail {
    const logs = this.logs(i);
    for (const file of [...logs.vmQemu, ...logs.vmConsoles]) {
      const t = tailOf(file, 30);
      if (t.tail.trim()) return t;
    }
    return this.hv(i).consoleTail(20);
  }

  /** One hypervisor: boot, OVS, VMs. */
  private async bringUp(hv: Hypervisor, vmMemoryMb: number, deadline: number): Promise<HypervisorTimings> {
    const i = hv.index;
    await hv.waitBooted(deadline);
    const bootMs = Date.now() - hv.startedAt;
    const left = (): number => Math.max(1000, deadline - Date.now());

    const o0 = Date.now();
    const taps = Array.from({ length: this.st.vmsPerHost }, (_, j) => vmTap(j));
    await this.run(i, ovsSetupCommand(underlayIp((i + 1) % NESTED_HOSTS), taps), left());
    const ovsMs = Date.now() - o0;

    const v0 = Date.now();
    const starts = taps.map((_, j) => {
      const vm = this.vm(i, j);
      const neighbours = this.vms().filter((o) => o.host !== i || o.index !== j);
      return vmStartCommand({ ...vm, memoryMb: vmMemoryMb, neighbours });
    });
    // wait-ready gives up before the command's own timeout, so that its message makes it back
    const waitS = Math.max(1, Math.floor((left() - 5000) / 1000));
    const waits = taps.map((_, j) => vmWaitReadyCommand(j, waitS));
    await this.run(i, [...starts, ...waits].join(' && \\\n'), left(), () => this.vmFailureLog(i));
    const vmsMs = Date.now() - v0;
    return { bootMs, ovsMs, vmsMs, readyMs: Date.now() - hv.startedAt };
  }

  /** VM (i, 0) pings VM (other, 0) across VXLAN and gets one echo exchange answered, for every i. */
  private async crossCheck(deadline: number): Promise<void> {
    await Promise.all(
      this.hypervisors.map(async (hv) => {
        const peer = this.vm((hv.index + 1) % NESTED_HOSTS, 0);
        // the first packets of a flow are upcalls to ovs-vswitchd: slow under TCG, so a few tries
        const ping = `for try in 1 2 3 4 5; do ping -c 1 -W 3 ${peer.ip} > /dev/null && exit 0; done; echo 'no ping reply from ${peer.ip}'; exit 1`;
        await this.vmExec(hv.index, 0, ping, { timeoutMs: Math.min(60_000, Math.max(1000, deadline - Date.now())) });
        const echo = await this.guestClient(hv.index, 0, { dst: peer.ip, count: 1, rate: 1, timeoutMs: 3000 });
        if (echo.received !== 1) throw new NestedLabError(`vm ${hv.index}/0: no echo reply from ${peer.ip} (vm ${peer.host}/0) across VXLAN`);
      }),
    );
  }
}
