/**
 * A lab of nested hypervisors (test/lab/README.md, "Nested hypervisors"): each hypervisor is a
 * Debian distro kernel under QEMU TCG with the machine's root filesystem, Open vSwitch (kernel
 * datapath) bridging its VMs' taps and a VXLAN port to the other hypervisor, and VMs that are
 * KVM guests (nested SVM) with vhost-net; optionally the xtrace agent in each hypervisor,
 * talking to a NATS server on the machine's loopback.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '@xtrace/proto';
import { sleep } from '../shell.js';
import {
  BRIDGE,
  HYPERVISOR_RUN_DIR,
  MAX_VMS_PER_HOST,
  NESTED_HOSTS,
  NESTED_ID_RE,
  UNDERLAY_DEV,
  VM_MTU,
  VM_PREFIX,
  VXLAN_VNI,
  hypervisorName,
  natsUrlInside,
  randomNestedId,
  underlayIp,
  vmIp,
  vmMac,
  vmTap,
} from './addresses.js';
import { prepareKernel, prepareVmImage, type NestedKernel } from './assets.js';
import type { CommandReply } from './control-channel.js';
import { NestedCommandError, NestedLabError } from './errors.js';
import { guestClientBoundMs, guestClientCommand, parseGuestClientOutput, type GuestClientOptions, type GuestClientResult } from './guest-client.js';
import { Hypervisor, tailOf, type HypervisorLogs } from './hypervisor.js';
import { NESTED_SCRIPTS, REPO_ROOT, hypervisorControlSocket, hypervisorJobDir, nestedLabDir } from './paths.js';
import { assertNestedLabPrerequisites } from './prerequisites.js';
import { shellCommand, shq } from './shell-quote.js';
import { listNestedStateIds, writeNestedState, type NestedLabState } from './state.js';
import { teardownNestedLab, teardownNestedLabs, type NestedTeardownReport } from './teardown.js';
import { freeUdpPorts } from './udp-ports.js';

export interface NestedAgentOptions {
  /** appended to `agent --nats … --host-id …` */
  args?: string[];
  /** set for the agent (XTRACE_LOG_LEVEL defaults to info) */
  env?: Record<string, string>;
  /** until its log says "agent running" (default 180 s: node starts slowly under TCG) */
  timeoutMs?: number;
}

export interface NestedLabSpec {
  /** 4 chars [a-z0-9] (default: random) */
  id?: string;
  kernel: NestedKernel;
  /** two: one point-to-point underlay link joins them */
  hosts: 2;
  /** default 1, at most 4 */
  vmsPerHost?: number;
  /** the port of the NATS server on the machine's 127.0.0.1 that agents reach */
  natsPort: number;
  agent?: NestedAgentOptions & { start: boolean };
  /** per hypervisor (default 2048) */
  memoryMb?: number;
  /** per VM (default 256) */
  vmMemoryMb?: number;
  /** for up() as a whole (default 300 s) */
  timeoutMs?: number;
}

export interface NestedVm {
  host: number;
  index: number;
  ip: string;
  mac: string;
  /** its tap on the hypervisor's OVS bridge */
  tap: string;
}

/** Wall times of one hypervisor's bring-up, from the start of its QEMU (ms). */
export interface HypervisorTimings {
  /** until its control server answered (kernel, init, modules, NICs) */
  bootMs: number;
  /** OVS set up and forwarding (hypervisor-ovs.sh) */
  ovsMs: number;
  /** from starting its VMs until each printed its ready marker */
  vmsMs: number;
  /** until this hypervisor was ready (before the cross-host check and the agent) */
  readyMs: number;
  /** from starting its agent until its log said "agent running" (when up() started it) */
  agentMs?: number;
}

export interface NestedLabTimings {
  /** the whole up() */
  upMs: number;
  /** fetch-kernel.sh + build-vm-image.sh (cached: well under a second) */
  assetsMs: number;
  /** VM (i, 0) <-> VM (other, 0) across VXLAN: ping and one echo exchange */
  crossCheckMs: number;
  hosts: HypervisorTimings[];
}

export interface NestedExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

const DEFAULT_MEMORY_MB = 2048;
const DEFAULT_VM_MEMORY_MB = 256;
const DEFAULT_UP_TIMEOUT_MS = 300_000;
const DEFAULT_AGENT_TIMEOUT_MS = 180_000;

export class NestedLab {
  private readonly agentLogOffsets = new Map<number, number>();

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
    const resolved = resolveSpec(spec);
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
    const hv = this.hv(i);
    const t0 = Date.now();
    const logFile = hv.logs().agent;
    this.agentLogOffsets.set(i, existsSync(logFile) ? statSync(logFile).size : 0);
    const args = ['--nats', natsUrlInside(), '--host-id', this.hostId(i), ...agentNicArgs(), ...(opts.args ?? [])];
    const env = { XTRACE_LOG_LEVEL: process.env['XTRACE_LOG_LEVEL'] ?? 'info', ...opts.env };
    const assignments = Object.entries(env).map(([k, v]) => `${k}=${shq(v)}`);
    const script = [...assignments, shellCommand([join(NESTED_SCRIPTS, 'hypervisor-agent.sh'), 'start', ...args])].join(' ');
    await this.run(i, script, 30_000);
    await this.waitAgentLog(i, /"msg":"agent running"/, opts.timeoutMs ?? DEFAULT_AGENT_TIMEOUT_MS);
    return Date.now() - t0;
  }

  /** Stops hypervisor i's agent (SIGTERM, SIGKILL after 10 s). */
  async stopAgent(i: number): Promise<void> {
    await this.run(i, shellCommand([join(NESTED_SCRIPTS, 'hypervisor-agent.sh'), 'stop']), 30_000);
  }

  /** Waits until the agent's log (since its last start) matches `pattern`; throws with the log's tail if it exited or timed out. */
  private async waitAgentLog(i: number, pattern: RegExp, timeoutMs: number): Promise<void> {
    const file = this.hv(i).logs().agent;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = readFrom(file, this.agentLogOffsets.get(i) ?? 0);
      if (pattern.test(text)) return;
      const exited = /=== agent exited rc=\d+/.exec(text)?.[0];
      if (exited || Date.now() > deadline || this.hv(i).exitReason) {
        const why = exited ?? this.hv(i).exitReason ?? `its log did not match ${pattern} in ${timeoutMs} ms`;
        throw new NestedLabError(`hypervisor ${i}: agent not running: ${why}`, { log: tailOf(file, 30) });
      }
      await sleep(500);
    }
  }

  // ---------------------------------------------------------------- bring-up

  private hv(i: number): Hypervisor {
    const hv = this.hypervisors[i];
    if (!hv) throw new UsageError('host', `no hypervisor ${i} (lab ${this.st.id} has ${this.hypervisors.length})`);
    return hv;
  }

  /** Runs a lab script in hypervisor i; a failure throws with its output. */
  private async run(i: number, script: string, timeoutMs: number): Promise<CommandReply> {
    const r = await this.hv(i).exec(script, timeoutMs);
    if (r.code !== 0) {
      throw new NestedCommandError(`hypervisor ${i}`, script, r, r.timedOut ? `timed out after ${timeoutMs} ms` : `exit ${r.code ?? r.signal}`, {
        log: this.hv(i).consoleTail(20),
      });
    }
    return r;
  }

  /** One hypervisor: boot, OVS, VMs. */
  private async bringUp(hv: Hypervisor, vmMemoryMb: number, deadline: number): Promise<HypervisorTimings> {
    const i = hv.index;
    await hv.waitBooted(deadline);
    const bootMs = Date.now() - hv.startedAt;
    const left = (): number => Math.max(1000, deadline - Date.now());

    const o0 = Date.now();
    const taps = Array.from({ length: this.st.vmsPerHost }, (_, j) => vmTap(j));
    const peer = (i + 1) % NESTED_HOSTS;
    await this.run(i, shellCommand([join(NESTED_SCRIPTS, 'hypervisor-ovs.sh'), BRIDGE, String(VXLAN_VNI), underlayIp(peer), ...taps]), left());
    const ovsMs = Date.now() - o0;

    const v0 = Date.now();
    const vmScript = join(NESTED_SCRIPTS, 'hypervisor-vm.sh');
    const starts: string[] = [];
    for (let j = 0; j < this.st.vmsPerHost; j++) {
      const vm = this.vm(i, j);
      // static neighbours: no ARP on the traced path, as in the namespace lab
      const neighbours = this.vms()
        .filter((o) => o.host !== i || o.index !== j)
        .map((o) => `${o.ip}@${o.mac}`);
      starts.push(shellCommand([vmScript, 'start', String(j), `${vm.ip}/${VM_PREFIX}`, vm.mac, vm.tap, String(VM_MTU), String(vmMemoryMb), ...neighbours]));
    }
    const waits = taps.map((_, j) => shellCommand([vmScript, 'wait-ready', String(j), String(Math.ceil(left() / 1000))]));
    await this.run(i, [...starts, ...waits].join(' && \\\n'), left());
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

interface ResolvedNestedSpec {
  id: string;
  vmsPerHost: number;
  memoryMb: number;
  vmMemoryMb: number;
  timeoutMs: number;
}

function resolveSpec(spec: NestedLabSpec): ResolvedNestedSpec {
  if (spec.hosts !== NESTED_HOSTS) throw new UsageError('hosts', `the nested lab has exactly ${NESTED_HOSTS} hypervisors (one point-to-point underlay link), got ${String(spec.hosts)}`);
  const vmsPerHost = spec.vmsPerHost ?? 1;
  if (!Number.isInteger(vmsPerHost) || vmsPerHost < 1 || vmsPerHost > MAX_VMS_PER_HOST) throw new UsageError('vmsPerHost', `expected 1..${MAX_VMS_PER_HOST}, got ${vmsPerHost}`);
  if (!Number.isInteger(spec.natsPort) || spec.natsPort < 1 || spec.natsPort > 65535) throw new UsageError('natsPort', `expected a TCP port, got ${spec.natsPort}`);
  const taken = new Set(listNestedStateIds());
  let id = spec.id;
  if (id !== undefined) {
    if (!NESTED_ID_RE.test(id)) throw new UsageError('id', `expected 4 chars [a-z0-9], got "${id}"`);
    if (taken.has(id)) throw new UsageError('id', `nested lab ${id} exists; take it down first (NestedLab.teardownAll)`);
  } else {
    do id = randomNestedId();
    while (taken.has(id));
  }
  return {
    id,
    vmsPerHost,
    memoryMb: spec.memoryMb ?? DEFAULT_MEMORY_MB,
    vmMemoryMb: spec.vmMemoryMb ?? DEFAULT_VM_MEMORY_MB,
    timeoutMs: spec.timeoutMs ?? DEFAULT_UP_TIMEOUT_MS,
  };
}

/**
 * `--nic underlay0` when this checkout's `xtrace agent` has a --nic option (it names the NIC
 * the overlay leaves by; OVS's VXLAN device carries no remote to discover it from); older
 * agents would refuse the unknown option. Read from the CLI's source: the agent runs from it.
 */
function agentNicArgs(): string[] {
  const source = join(REPO_ROOT, 'cli', 'src', 'commands', 'agent.ts');
  return existsSync(source) && /['"`]--nic\b/.test(readFileSync(source, 'utf8')) ? ['--nic', UNDERLAY_DEV] : [];
}

/** A file's text from byte `offset` on ('' when it does not exist). */
function readFrom(file: string, offset: number): string {
  if (!existsSync(file)) return '';
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    if (size <= offset) return '';
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
