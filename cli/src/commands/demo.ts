/**
 * `xtrace demo`: xtrace on one machine, end to end. Builds a two-hypervisor lab in network
 * namespaces, starts NATS, a controller and a real agent (real BPF) per hypervisor, injects a
 * known wire delay and VM turnaround, runs `xtrace pair` between two VMs on different hosts
 * while they ping, prints the report next to the truth the lab's relays measured, and tears
 * everything down (also on Ctrl-C or failure). With --kernel, the virtualization layer instead:
 * nested Debian hypervisors with OVS and vhost-net KVM guests (demo-nested.ts).
 */
import { Command } from 'commander';
import { parseDurationUs, UsageError } from '@xtrace/proto';
import type { XtraceStack } from '@xtrace/lab';
import { runNestedDemo } from './demo-nested.js';
import { withTeardown } from './with-teardown.js';
import { loadLabModule } from '../lab-module.js';

interface DemoFlags {
  wireDelay: string;
  vmDelay: string;
  duration?: string;
  kernel?: string;
  guestHold: string;
}

const say = (line: string): void => void process.stderr.write(`xtrace demo: ${line}\n`);

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('build a two-hypervisor lab, trace two VMs with known injected delays, print the report next to the truth, clean up')
    .option('--wire-delay <d>', 'one-way delay injected on the wire between the hypervisors', '1ms')
    .option('--vm-delay <d>', "delay injected each way inside the destination VM's virtual NIC", '200us')
    .option('--duration <d>', 'how long `xtrace pair` traces (default 5s; with --kernel 12s)')
    .option('--kernel <kernel>', 'trace between KVM guests on nested hypervisors running this Debian kernel (debian-6.1, debian-6.12): vhost, interrupt and OVS stages')
    .option('--guest-hold <d>', "with --kernel: how long the destination VM's service holds each request", '5ms')
    .addHelpText(
      'after',
      `
Needs root (network namespaces, taps, BPF) and the README's set-up (./setup.sh).
Leaves nothing behind: namespaces, relays, agents, controller and NATS are removed at the end.

With --kernel: two Debian kernels boot as hypervisors under QEMU (1-2 min), with Open vSwitch, VXLAN,
a KVM guest each on vhost-net and an agent each; the report splits the destination VM's turnaround
into the vhost worker, the interrupt and the guest, next to the hold the guest measured itself.

Examples:
  xtrace demo
  xtrace demo --wire-delay 250us --vm-delay 0
  xtrace demo --kernel debian-6.12 --guest-hold 10ms`,
    )
    .action(async (f: DemoFlags) => {
      if (process.getuid?.() !== 0) throw new UsageError('demo', 'needs root: network namespaces, taps and BPF (run as root after ./setup.sh)');
      const wireUs = parseDurationUs(f.wireDelay, '--wire-delay');
      const vmUs = parseDurationUs(f.vmDelay, '--vm-delay');
      const durationMs = parseDurationUs(f.duration ?? (f.kernel ? '12s' : '5s'), '--duration') / 1000;
      if (durationMs < 2000) throw new UsageError('--duration', 'at least 2s, so the trace sees enough traffic');
      if (f.kernel !== undefined) {
        if (durationMs < 8000) throw new UsageError('--duration', 'at least 8s with --kernel: the VMs start sending once the probe runs');
        const holdUs = parseDurationUs(f.guestHold, '--guest-hold');
        if (holdUs > 1_000_000) throw new UsageError('--guest-hold', `at most 1s, got "${f.guestHold}"`);
        process.exitCode = await runNestedDemo({ kernel: f.kernel, holdUs, durationMs });
        return;
      }

      // the lab is TypeScript run through tsx (never compiled): loaded only here
      const { Lab, ping, waitProbeRunning, XtraceStack: Stack } = await loadLabModule();
      say('building a lab: 2 hypervisors (bridge, VXLAN, NIC), 1 VM each');
      const lab = await Lab.up({
        hosts: 2,
        vmsPerHost: 1,
        wire: { mode: 'direct', egress: { delayUs: wireUs }, ingress: { delayUs: wireUs } },
        hostOverrides: { 1: { vm: { ab: { delayUs: vmUs }, ba: { delayUs: vmUs } } } },
      });
      let stack: XtraceStack | undefined;
      const teardown = async (): Promise<void> => {
        await stack?.stop();
        await lab.down();
      };
      await withTeardown(say, teardown, async () => {
        const [vmA, vmB] = [lab.vm(0, 0), lab.vm(1, 0)];
        say('starting NATS, a controller and an agent in each hypervisor');
        stack = await Stack.start(lab);
        for (const name of lab.relayNames()) await lab.resetRelayStats(name);
        say(`tracing ${vmA.ip} (hypervisor 0) -> ${vmB.ip} (hypervisor 1) for ${durationMs / 1000}s while it pings`);
        const pair = stack.cli(['pair', '--src', vmA.ip, '--dst', vmB.ip, '--proto', 'icmp', '--duration', `${durationMs}ms`, '--controller', stack.controllerAddress]);
        // ping once the probe runs (a busy machine takes seconds to start the CLI), until 500 ms before it ends
        const runningAt = await waitProbeRunning(stack, vmA.ip, durationMs + 30_000);
        const pingMs = Math.max(1000, durationMs - (Date.now() - runningAt) - 500);
        await ping(lab, vmA, vmB.ip, { count: Math.floor(pingMs / 20), intervalMs: 20 });
        const result = await pair;
        process.stdout.write(result.stdout);
        if (result.code !== 0) process.stderr.write(result.stderr);

        const wire = await lab.relayStats(lab.hostSpec(0).wireRelay!);
        const vm = await lab.relayStats(vmB.relay);
        const us = (ns: number): string => `${(ns / 1000).toFixed(1)} µs`;
        process.stdout.write(
          [
            '',
            'Injected truth (measured by the lab relays from the kernel\'s hand-over to their write, CLOCK_MONOTONIC, p50):',
            `  wire one-way      configured ${wireUs} µs  ->  forward ${us(wire.ab.residenceNs.p50)}, reverse ${us(wire.ba.residenceNs.p50)}`,
            `  VM turnaround     configured 2 x ${vmUs} µs  ->  ${us(vm.ab.residenceNs.p50 + vm.ba.residenceNs.p50)} in the VM's virtual NIC`,
            '  xtrace\'s wire p50 should sit 5-20 µs above these (its NIC hooks sit just outside the',
            '  relay), its VM turnaround 20-40 µs above (the guest kernel answering the ping).',
            '',
          ].join('\n'),
        );
        process.exitCode = result.code;
      });
    });
}

