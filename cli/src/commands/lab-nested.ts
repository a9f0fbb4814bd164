/**
 * `xtrace lab nested`: the nested lab (test/lab/README.md, "Nested hypervisors"), two Debian
 * kernels as hypervisors under QEMU with Open vSwitch, VXLAN and KVM VMs, kept up in the
 * foreground until Ctrl-C. Its QEMUs die with this process (PR_SET_PDEATHSIG), so unlike the
 * namespace lab it never outlives the command that made it.
 */
import type { Command } from 'commander';
import { freePort, UsageError } from '@xtrace/proto';
import type { ControllerStack, NestedLab } from '@xtrace/lab';
import { parseIntIn } from './lab.js';
import { NestedSession } from './nested-session.js';

interface NestedFlags {
  kernel: string;
  vms: string;
  agents?: boolean;
  natsPort?: string;
  ping?: boolean;
  memoryMb: string;
  json?: boolean;
}

const say = (line: string): void => void process.stderr.write(`xtrace lab nested: ${line}\n`);

function describeLab(lab: NestedLab, stack: ControllerStack | undefined): Record<string, unknown> {
  return {
    id: lab.id,
    kernel: lab.kernelVersion,
    dir: lab.dir,
    timings: lab.timings,
    controller: stack?.controllerAddress,
    hypervisors: Array.from({ length: lab.hostCount }, (_, i) => ({
      hostId: lab.hostId(i),
      underlayIp: lab.underlayIp(i),
      logs: lab.logs(i),
      vms: lab.vms().filter((v) => v.host === i),
    })),
  };
}

function printLab(lab: NestedLab, stack: ControllerStack | undefined): void {
  const out = [`nested lab ${lab.id} on ${lab.kernelVersion}, up in ${(lab.timings.upMs / 1000).toFixed(1)} s; logs in ${lab.dir}`];
  for (let i = 0; i < lab.hostCount; i++) {
    out.push(`  hypervisor ${i}  ${lab.hostId(i)}  underlay ${lab.underlayIp(i)}  booted in ${(lab.timings.hosts[i]!.bootMs / 1000).toFixed(1)} s`);
    for (const v of lab.vms().filter((x) => x.host === i)) out.push(`    vm ${i}/${v.index}  ${v.ip}  ${v.mac}  tap ${v.tap}`);
  }
  if (stack) out.push(`  controller ${stack.controllerAddress}: xtrace agents --controller ${stack.controllerAddress}`);
  out.push('  Ctrl-C takes it down');
  process.stdout.write(out.join('\n') + '\n');
}

export function registerLabNestedCommand(lab: Command): void {
  lab
    .command('nested')
    .description('two Debian kernels as hypervisors under QEMU (OVS + VXLAN, KVM VMs), up until Ctrl-C (root)')
    .option('--kernel <kernel>', 'debian-6.1, debian-6.12 or an exact kernel version', 'debian-6.12')
    .option('--vms <n>', 'VMs per hypervisor (1-4)', '1')
    .option('--agents', 'start NATS and a controller here and an xtrace agent in each hypervisor')
    .option('--nats-port <port>', 'agents use this NATS on 127.0.0.1 instead (implies --agents)')
    .option('--ping', 'VM i/0 pings VM <other>/0 every 200 ms (traffic for xtrace pair)')
    .option('--memory-mb <n>', 'memory per hypervisor', '2048')
    .option('--json', 'print the lab as JSON once it is up')
    .addHelpText(
      'after',
      `
Boots in ~1-1.5 min (test/lab/README.md has the costs); needs root, ./setup.sh (QEMU, OVS,
the kernels). Nothing outlives the command: Ctrl-C, a kill or a crash takes every QEMU along.
Leftovers of a killed machine-side process: xtrace lab down --all.

Examples:
  xtrace lab nested --agents --ping
  xtrace lab nested --kernel debian-6.1 --vms 2`,
    )
    .action(async (f: NestedFlags) => {
      if (process.getuid?.() !== 0) throw new UsageError('lab nested', 'needs root: QEMU guests with this machine\'s root filesystem');
      const vmsPerHost = parseIntIn('--vms', f.vms, 1, 4);
      const memoryMb = parseIntIn('--memory-mb', f.memoryMb, 512, 65536);
      const natsPortFlag = f.natsPort !== undefined ? parseIntIn('--nats-port', f.natsPort, 1, 65535) : undefined;
      const agents = Boolean(f.agents) || natsPortFlag !== undefined;

      const session = await NestedSession.open('lab-nested');
      const stopped = new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      try {
        const stack = agents && natsPortFlag === undefined ? await session.startStack('lab-nested') : undefined;
        // without agents nothing connects: any port nobody listens on
        const natsPort = natsPortFlag ?? stack?.nats.port ?? (await freePort());
        say(`booting 2 hypervisors on ${f.kernel}, ${vmsPerHost} VM(s) each${agents ? ', with agents' : ''}`);
        const up = session.labModule.NestedLab.up({ kernel: f.kernel, hosts: 2, vmsPerHost, natsPort, memoryMb, agent: { start: agents } });
        const first = await Promise.race([up, stopped]);
        if (typeof first === 'string') {
          say('interrupted while booting: tearing down');
          session.lab = await up.catch(() => undefined);
          return;
        }
        const lab = (session.lab = first);
        if (f.ping) {
          for (let i = 0; i < lab.hostCount; i++) {
            await lab.vmExec(i, 0, `ping -q -i 0.2 ${lab.vm((i + 1) % lab.hostCount, 0).ip} > /dev/null 2>&1 &`);
          }
        }
        if (f.json) process.stdout.write(JSON.stringify(describeLab(lab, stack), null, 2) + '\n');
        else printLab(lab, stack);
        say(`${await stopped}: tearing down`);
      } finally {
        await session.teardown();
      }
    });
}
