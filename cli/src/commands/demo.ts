/**
 * `xtrace demo`: xtrace on one machine, end to end. Builds a two-hypervisor lab in network
 * namespaces, starts NATS, a controller and a real agent (real BPF) per hypervisor, injects a
 * known wire delay and VM turnaround, runs `xtrace pair` between two VMs on different hosts
 * while they ping, prints the report next to the truth the lab's relays measured, and tears
 * everything down (also on Ctrl-C or failure).
 */
import { Command } from 'commander';
import { UsageError } from '@xtrace/proto';
import type { XtraceStack } from '@xtrace/test';
import { parseDurationUs } from './lab.js';

interface DemoFlags {
  wireDelay: string;
  vmDelay: string;
  duration: string;
}

const say = (line: string): void => void process.stderr.write(`xtrace demo: ${line}\n`);

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('build a two-hypervisor lab, trace two VMs with known injected delays, print the report next to the truth, clean up')
    .option('--wire-delay <d>', 'one-way delay injected on the wire between the hypervisors', '1ms')
    .option('--vm-delay <d>', "delay injected each way inside the destination VM's virtual NIC", '200us')
    .option('--duration <d>', 'how long `xtrace pair` traces', '5s')
    .addHelpText(
      'after',
      `
Needs root (network namespaces, taps, BPF) and the README's set-up (./setup.sh).
Leaves nothing behind: namespaces, relays, agents, controller and NATS are removed at the end.

Examples:
  xtrace demo
  xtrace demo --wire-delay 250us --vm-delay 0`,
    )
    .action(async (f: DemoFlags) => {
      if (process.getuid?.() !== 0) throw new UsageError('demo', 'needs root: network namespaces, taps and BPF (run as root after ./setup.sh)');
      const wireUs = parseDurationUs('--wire-delay', f.wireDelay);
      const vmUs = parseDurationUs('--vm-delay', f.vmDelay);
      const durationMs = parseDurationUs('--duration', f.duration) / 1000;
      if (durationMs < 2000) throw new UsageError('--duration', 'at least 2s, so the trace sees enough traffic');

      // the lab is TypeScript run through tsx (never compiled): loaded only here
      const { Lab, ping, XtraceStack: Stack } = await import('@xtrace/test');
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
      const onSignal = (): void => {
        say('interrupted: tearing down');
        void teardown().finally(() => process.exit(130));
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const [vmA, vmB] = [lab.vm(0, 0), lab.vm(1, 0)];
        say('starting NATS, a controller and an agent in each hypervisor');
        stack = await Stack.start(lab);
        for (const name of lab.relayNames()) await lab.resetRelayStats(name);
        say(`tracing ${vmA.ip} (hypervisor 0) -> ${vmB.ip} (hypervisor 1) for ${f.duration} while it pings`);
        const pair = stack.cli(['pair', '--src', vmA.ip, '--dst', vmB.ip, '--proto', 'icmp', '--duration', f.duration, '--controller', stack.controllerAddress]);
        await new Promise((r) => setTimeout(r, 1000));
        await ping(lab, vmA, vmB.ip, { count: Math.floor((durationMs - 1500) / 20), intervalMs: 20 });
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
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        say('tearing down the lab');
        await teardown();
      }
    });
}
