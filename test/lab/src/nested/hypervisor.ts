/**
 * One hypervisor of a nested lab: a QEMU (TCG) running a Debian kernel with the machine's root,
 * test/lab/nested/hypervisor-init.sh as PID 1 and control-server.py on its control channel.
 * Everything it writes lands in its job directory (shared read-write at the same path): the
 * console, QEMU's own messages, OVS, VM consoles, the agent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  MGMT_DEV,
  MGMT_GUEST_ADDR,
  NESTED_HOSTS,
  UNDERLAY_DEV,
  UNDERLAY_MTU,
  UNDERLAY_PREFIX,
  mgmtMac,
  underlayIp,
  underlayMac,
} from './addresses.js';
import type { HypervisorKernel, VmImage } from './assets.js';
import { ControlChannel, type CommandReply } from './control-channel.js';
import { HypervisorBootError, NestedLabError, type LogTail } from './errors.js';
import { tailOf } from './log-file.js';
import { NESTED_SCRIPTS, REPO_ROOT } from './paths.js';
import { killOnExit, releaseOnExit, terminate } from './processes.js';
import { hypervisorQemuArgv } from './qemu-command.js';
import { envFile } from './shell-quote.js';

interface HypervisorOptions {
  labId: string;
  index: number;
  name: string;
  kernel: HypervisorKernel;
  vmImage: VmImage;
  memoryMb: number;
  natsPort: number;
  underlay: { localPort: number; peerPort: number };
  jobDir: string;
  controlSocket: string;
  vmsPerHost: number;
}

/** Host paths of a hypervisor's logs (for failure messages). */
export interface HypervisorLogs {
  /** the guest's serial console: kernel messages and hypervisor-init.sh's XN-* markers */
  console: string;
  /** QEMU's own messages */
  qemu: string;
  controlServer: string;
  ovsVswitchd: string;
  agent: string;
  /** VM j's serial console (everything it printed, commands included) */
  vmConsoles: string[];
  /** VM j's QEMU's own messages (why it did not start) */
  vmQemu: string[];
}

export class Hypervisor {
  private channel: ControlChannel | undefined;
  private exit: string | undefined;
  readonly exited: Promise<void>;

  private constructor(
    readonly options: HypervisorOptions,
    private readonly child: ChildProcess,
    /** Date.now() when QEMU was started */
    readonly startedAt: number,
  ) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exit = `QEMU exited (${code ?? signal})`;
        releaseOnExit(this.pid);
        resolve();
      }),
    );
  }

  get index(): number {
    return this.options.index;
  }
  get pid(): number {
    return this.child.pid ?? -1;
  }
  /** why it is not running, or undefined while it runs */
  get exitReason(): string | undefined {
    return this.exit;
  }

  /** Writes the guest's config and starts QEMU (it dies with this process: PR_SET_PDEATHSIG). */
  static start(o: HypervisorOptions): Hypervisor {
    mkdirSync(o.jobDir, { recursive: true });
    writeFileSync(join(o.jobDir, 'config.env'), envFile(guestConfig(o)));
    const logs = logsOf(o.jobDir, o.vmsPerHost);
    const argv = hypervisorQemuArgv({
      index: o.index,
      name: o.name,
      vmlinuz: o.kernel.vmlinuz,
      initramfs: o.kernel.initramfs,
      kernelRoot: o.kernel.root,
      init: join(NESTED_SCRIPTS, 'hypervisor-init.sh'),
      jobDir: o.jobDir,
      controlSocket: o.controlSocket,
      consoleLog: logs.console,
      memoryMb: o.memoryMb,
      natsPort: o.natsPort,
      underlay: o.underlay,
    });
    const qemuLog = openSync(logs.qemu, 'a');
    try {
      const child = spawn('/usr/bin/setpriv', ['--pdeathsig', 'SIGKILL', '--', ...argv], { stdio: ['ignore', qemuLog, qemuLog] });
      const hv = new Hypervisor(o, child, Date.now());
      child.once('error', (e) => (hv.exit = `cannot start QEMU: ${e.message}`));
      if (child.pid !== undefined) killOnExit(child.pid);
      return hv;
    } finally {
      closeSync(qemuLog);
    }
  }

  /** Waits until the guest's control server answers; throws HypervisorBootError with the console's tail otherwise. */
  async waitBooted(deadline: number): Promise<void> {
    const label = `hypervisor ${this.index}`;
    try {
      this.channel = await ControlChannel.connect(this.options.controlSocket, label, { deadline, gone: () => this.exit });
      await Promise.race([
        this.channel.waitServer(Math.max(1, deadline - Date.now())),
        this.exited.then(() => {
          throw new NestedLabError(this.exit ?? 'QEMU exited');
        }),
      ]);
    } catch (e: unknown) {
      const failed = /XN-(?:INITRAMFS-)?FAILED.*/.exec(this.consoleTail().tail)?.[0];
      const why = failed ?? this.exit ?? (e instanceof Error ? e.message : String(e));
      throw new HypervisorBootError(this.index, `did not boot: ${why}`, { cause: e, log: this.exit ? this.qemuOrConsoleTail() : this.consoleTail() });
    }
  }

  /** Runs a bash script as root in the hypervisor. */
  exec(script: string, timeoutMs: number): Promise<CommandReply> {
    return this.control().command({ op: 'exec', script, timeoutMs });
  }

  /** Runs a busybox sh script in VM j over its serial console (stdout and stderr both in stdout). */
  vm(j: number, script: string, timeoutMs: number): Promise<CommandReply> {
    return this.control().command({ op: 'vm', vm: j, script, timeoutMs });
  }

  /** Asks the guest to power off (it stops its VMs and agent first); kills QEMU if it has not exited by the deadline. */
  async powerOff(timeoutMs = 20_000): Promise<void> {
    if (this.exit) return;
    if (this.channel && !this.channel.isClosed) await this.channel.request({ op: 'poweroff' }, 5000).catch(() => undefined);
    const off = await Promise.race([this.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs))]);
    if (!off) await terminate([this.pid]);
    this.channel?.close();
  }

  /** Kills QEMU at once (and with it every VM and agent inside). */
  async kill(): Promise<void> {
    this.channel?.close();
    if (!this.exit) await terminate([this.pid], 0);
  }

  logs(): HypervisorLogs {
    return logsOf(this.options.jobDir, this.options.vmsPerHost);
  }

  consoleTail(lines = 40): LogTail {
    return tailOf(this.logs().console, lines);
  }

  private qemuOrConsoleTail(): LogTail {
    const q = tailOf(this.logs().qemu, 20);
    return q.tail.trim() ? q : this.consoleTail();
  }

  private control(): ControlChannel {
    if (!this.channel) throw new NestedLabError(`hypervisor ${this.index}: not booted yet`);
    return this.channel;
  }
}

/** The guest's view of itself, sourced by hypervisor-init.sh (and exported to every command). */
function guestConfig(o: HypervisorOptions): Record<string, string | number> {
  const peers: string[] = [];
  for (let k = 0; k < NESTED_HOSTS; k++) if (k !== o.index) peers.push(`${underlayIp(k)}@${underlayMac(k)}`);
  return {
    XN_LAB_ID: o.labId,
    XN_HOST_INDEX: o.index,
    XN_HOSTNAME: o.name,
    XN_MGMT_MAC: mgmtMac(o.index),
    XN_MGMT_DEV: MGMT_DEV,
    XN_MGMT_ADDR: MGMT_GUEST_ADDR,
    XN_UNDERLAY_MAC: underlayMac(o.index),
    XN_UNDERLAY_DEV: UNDERLAY_DEV,
    XN_UNDERLAY_ADDR: `${underlayIp(o.index)}/${UNDERLAY_PREFIX}`,
    XN_UNDERLAY_MTU: UNDERLAY_MTU,
    // static: no ARP on the underlay, as on the namespace lab's wire
    XN_UNDERLAY_NEIGHBORS: peers.join(' '),
    XN_REPO: REPO_ROOT,
    XN_NESTED: NESTED_SCRIPTS,
    XN_VM_IMAGE: o.vmImage.dir,
  };
}

function logsOf(jobDir: string, vms: number): HypervisorLogs {
  return {
    console: join(jobDir, 'console.log'),
    qemu: join(jobDir, 'qemu.log'),
    controlServer: join(jobDir, 'control-server.log'),
    ovsVswitchd: join(jobDir, 'ovs-vswitchd.log'),
    agent: join(jobDir, 'agent.log'),
    vmConsoles: Array.from({ length: vms }, (_, j) => join(jobDir, `vm${j}-console.log`)),
    vmQemu: Array.from({ length: vms }, (_, j) => join(jobDir, `vm${j}-qemu.log`)),
  };
}
