import type { Command } from 'commander';
import { btfOption } from '../btf-flag.js';
import pino from 'pino';
import { UsageError, parseMetricsListen, resolveNatsSettings } from '@xtrace/proto';
import { DEFAULT_MAX_UNCONFIRMED_BYTES, resolveBtfSource, runAgent } from '@xtrace/node-agent';
import { formatByteSize, parseByteSize } from '../byte-size.js';
import { addNatsOptions } from '../nats-flags.js';
import { isIP } from 'node:net';

/** the smallest --publish-window: two full envelopes (8192 records of 64 bytes) */
const MIN_PUBLISH_WINDOW_BYTES = 1024 ** 2;
const DEFAULT_PUBLISH_WINDOW = formatByteSize(DEFAULT_MAX_UNCONFIRMED_BYTES);

/** --vm TAP=IP[,IP...] */
function parseVm(text: string, prev: { tap: string; addresses: string[] }[] = []): { tap: string; addresses: string[] }[] {
  const m = /^([^=\s]+)=(.+)$/.exec(text);
  if (!m) throw new UsageError('--vm', `expected TAP=IP[,IP...], got '${text}'`);
  const addresses = m[2]!.split(',').map((a) => a.trim());
  for (const a of addresses) if (isIP(a) === 0) throw new UsageError('--vm', `expected an IPv4 or IPv6 address, got '${a}'`);
  return [...prev, { tap: m[1]!, addresses }];
}

/** --ring-buffer-mb: a power of two from 1 to 1024 */
export function parseRingBufferMb(text: string): number {
  const mb = Number(text);
  if (!Number.isInteger(mb) || mb < 1 || mb > 1024 || (mb & (mb - 1)) !== 0) {
    throw new UsageError('--ring-buffer-mb', `expected a power of two from 1 to 1024 (MiB), got '${text}'`);
  }
  return mb << 20;
}

export function registerAgentCommand(program: Command): void {
  const cmd = program
    .command('agent')
    .description('run the node agent on a hypervisor: BPF tracer + NATS relay')
    .option('--host-id <id>', 'host id in the registry and NATS subjects (default: hostname)')
    .option('--bpf-object <path>', 'BPF object file (default: bpf/build/xtrace.bpf.o)')
    .addOption(btfOption())
    .option('--ring-buffer-mb <n>', 'size of the BPF ring buffer in MiB, a power of two (it costs twice that in RSS)', '4')
    .option('--publish-window <size>', 'event bytes sent to NATS and not yet confirmed by it, at most: when NATS or the link falls behind, batches past it are dropped and counted lost instead of queued in memory', DEFAULT_PUBLISH_WINDOW)
    .option('--metrics-listen <host:port|off>', 'serve Prometheus /metrics (events/s, ring-buffer loss, batches, attach failures) here', 'off')
    .option('--nic <dev...>', "the host's NICs (default: the underlay devices of its VXLAN/Geneve tunnels, OVS's included)")
    .option('--vm <tap=ip,...>', 'declare a VM: its tap and addresses (repeatable; others are learned from traffic)', (v: string, prev: { tap: string; addresses: string[] }[] | undefined) => parseVm(v, prev));
  addNatsOptions(cmd);
  cmd
    .addHelpText(
      'after',
      '\nExamples:\n  xtrace agent --nats nats://10.0.0.5:4222\n  xtrace agent --nats nats://10.0.0.5:4222 --host-id hv-a --vm vnet0=192.168.1.10\n  xtrace agent --nats nats://10.0.0.5:4222 --metrics-listen 0.0.0.0:9465\n  xtrace agent --nats nats://10.0.0.5:4222 --btf /var/lib/xtrace/$(uname -r).btf   # kernel without /sys/kernel/btf/vmlinux\n\nVM names come from the libvirt domain files (/run/libvirt/qemu, /etc/libvirt/qemu; XTRACE_LIBVIRT_DIRS=dir:dir replaces them) or the QEMU process holding the tap (-name, ifname= or the tap fd).\n\nTEST ONLY: XTRACE_CLOCK_SKEW_NS=<ns> adds a fixed offset to every timestamp the agent publishes (labs simulating another clock).',
    )
    .action(async (f: Record<string, unknown>) => {
      const logger = pino({ name: 'xtrace-agent' }, pino.destination(2));
      const nats = resolveNatsSettings(f);
      if (nats.url === undefined) throw new UsageError('--nats', 'required (or set XTRACE_NATS_URL)');
      const metricsListen = parseMetricsListen(String(f.metricsListen ?? 'off'));
      const opts: Parameters<typeof runAgent>[0] = { nats, logger };
      if (metricsListen !== undefined) opts.metricsListen = metricsListen;
      if (typeof f.hostId === 'string') opts.hostId = f.hostId;
      if (typeof f.bpfObject === 'string') opts.bpfObjectPath = f.bpfObject;
      if (typeof f.btf === 'string') opts.btfPath = resolveBtfSource(f.btf).path; // a bad path is a usage error before NATS is tried
      opts.ringBufferBytes = parseRingBufferMb(String(f.ringBufferMb ?? '4'));
      opts.maxUnconfirmedBytes = parseByteSize(String(f.publishWindow ?? DEFAULT_PUBLISH_WINDOW), '--publish-window', MIN_PUBLISH_WINDOW_BYTES);
      if (Array.isArray(f.nic)) opts.nics = f.nic as string[];
      if (Array.isArray(f.vm)) opts.vms = f.vm as { tap: string; addresses: string[] }[];
      const running = await runAgent(opts);
      if (running.metricsUrl !== undefined) process.stdout.write(`metrics: ${running.metricsUrl}\n`);
      await running.done;
    });
}
