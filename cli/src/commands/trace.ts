/**
 * `xtrace trace`: the kernel side on this host alone, no NATS or controller: the hooks
 * this kernel offers, the packets of one address pair at each stage, as NDJSON.
 */
import type { Command } from 'commander';
import { btfOption } from '../btf-flag.js';
import { parseDurationMs, UsageError } from '@xtrace/proto';

interface TraceFlags {
  src: string;
  dst: string;
  proto?: string;
  port?: string;
  duration?: string;
  nic?: string[];
  bpfObject?: string;
  btf?: string;
  bpfStats?: boolean;
}

export function registerTraceCommand(program: Command): void {
  program
    .command('trace')
    .description('trace one address pair on this host only (no NATS): hooks report, then one JSON line per record')
    .requiredOption('--src <ip>', 'one end of the pair')
    .requiredOption('--dst <ip>', 'the other end')
    .option('--proto <icmp|udp|tcp>', 'only this protocol')
    .option('--port <n>', 'only packets with this source or destination port')
    .option('--duration <d>', 'stop after this long (e.g. 10s); default: until Ctrl-C')
    .option('--nic <dev...>', "the host's NICs (default: the tunnels' underlay devices)")
    .option('--bpf-object <path>', 'the compiled BPF object (default: bpf/build/xtrace.bpf.o)')
    .addOption(btfOption())
    .option('--bpf-stats', "measure every attached program's in-kernel time (bpf_stats) and print runs and ns per run in the summary")
    .addHelpText(
      'after',
      `
Output (NDJSON): {"type":"ready","inventory":{...stages: what each stage attached to, or why not}},
then {"type":"record","stageName":"tap_rx","pktId":"…","tsNs":"…",...} per packet and stage,
and {"type":"summary","records":N,"counters":{ringbuf_full,parse_fail,...}} at the end (with --bpf-stats also
"programs":[{"program","runs","ns_per_run"}]: each program's in-kernel cost, bpf_stats' own included).

Examples:
  xtrace trace --src 192.168.1.10 --dst 192.168.1.20 --duration 5s
  XTRACE_DISABLE_HOOKS=tcx xtrace trace --src 10.0.0.1 --dst 10.0.0.2   # force fallbacks
  xtrace trace --src 10.0.0.1 --dst 10.0.0.2 --btf ./5.4.0-150-generic.btf  # kernel without /sys/kernel/btf/vmlinux`,
    )
    .action(async (f: TraceFlags) => {
      const { runLocalTrace } = await import('@xtrace/node-agent/tracing');
      const proto = f.proto;
      if (proto !== undefined && proto !== 'icmp' && proto !== 'udp' && proto !== 'tcp') {
        throw new UsageError('--proto', `expected icmp, udp or tcp, got '${proto}'`);
      }
      const port = f.port === undefined ? undefined : Number(f.port);
      await runLocalTrace({
        filter: { src: f.src, dst: f.dst, ...(proto ? { proto } : {}), ...(port !== undefined ? { port } : {}) },
        ...(f.duration ? { durationMs: parseDurationMs(f.duration, '--duration', { bareUnit: 's', positive: true }) } : {}),
        ...(f.nic ? { nics: f.nic } : {}),
        ...(f.bpfObject ? { bpfObjectPath: f.bpfObject } : {}),
        ...(f.btf !== undefined ? { btfPath: f.btf } : {}),
        ...(f.bpfStats ? { bpfStats: true } : {}),
      });
    });
}
