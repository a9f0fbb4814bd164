import { accessSync, constants as fsConstants, statSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import {
  CAPTURE_BYTES,
  UsageError,
  XtraceError,
  checkVmEndpoint,
  normalizePairReport,
  parseDurationMs,
  parseSample,
  type PairProbeEvent,
  type PairReport,
  type PcapFile,
  type ProbeInfo,
  type StartPairProbeRequest,
} from '@xtrace/proto';
import { renderPairReport } from '@xtrace/proto/render';
import { addControllerOptions, controllerClient, type ControllerFlags } from '../controller-flags.js';
import { renderIntervalLine } from '../render.js';

interface PairFlags extends ControllerFlags {
  src?: string;
  dst?: string;
  proto?: string;
  port?: string;
  duration: string;
  interval: string;
  sample?: string;
  json?: boolean;
  keep?: boolean;
  pcap?: string;
}

/**
 * --pcap FILE must be writable before the probe runs (a probe's packets are not thrown away at
 * its end for a typo in a path): a directory that exists and can be written, and no directory
 * (or unwritable file) at FILE itself.
 */
function checkPcapPath(file: string): string {
  const path = resolve(file);
  let st;
  try {
    st = statSync(path);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) throw new UsageError('--pcap', `${file} is a directory`);
  try {
    accessSync(st ? path : dirname(path), fsConstants.W_OK);
  } catch (e: unknown) {
    throw new UsageError('--pcap', `cannot write ${file}: ${st ? 'the file is not writable' : `${dirname(path)} is not a writable directory`}`, { cause: e });
  }
  return path;
}

/** an address or a VM name (the controller resolves a name: proto vm-endpoint.ts) */
function endpoint(v: string | undefined, flag: string): string {
  if (v === undefined) throw new UsageError(flag, 'required');
  checkVmEndpoint(v, flag);
  return v;
}

/** "vm-a 10.0.0.1 (hv-a)", or without a name "10.0.0.1 (hv-a)" */
const described = (name: string | undefined, address: string, host: string): string => `${name ? `${name} ` : ''}${address} (${host})`;

function buildPairRequest(f: PairFlags): StartPairProbeRequest {
  const src = endpoint(f.src, '--src');
  const dst = endpoint(f.dst, '--dst');
  if (src === dst) throw new UsageError('--dst', `must differ from --src (${src})`);
  // a name's family is known once the controller resolved it
  if (isIP(src) !== 0 && isIP(dst) !== 0 && isIP(src) !== isIP(dst)) throw new UsageError('--dst', `address family differs from --src (${src} vs ${dst})`);
  let port = 0;
  if (f.port !== undefined) {
    if (!/^\d+$/.test(f.port) || Number(f.port) < 1 || Number(f.port) > 65535) throw new UsageError('--port', `expected 1..65535, got '${f.port}'`);
    port = Number(f.port);
    if (f.proto === 'icmp') throw new UsageError('--port', 'not allowed with --proto icmp');
  }
  const durationMs = parseDurationMs(f.duration, '--duration', { bareUnit: 's', positive: true });
  const intervalMs = parseDurationMs(f.interval, '--interval', { bareUnit: 's', positive: true });
  if (intervalMs < 100) throw new UsageError('--interval', `expected at least 100ms, got '${f.interval}'`);
  const sample = f.sample !== undefined ? parseSample(f.sample, '--sample') : undefined;
  return {
    src,
    dst,
    proto: f.proto ?? '',
    port,
    duration_ms: durationMs,
    interval_ms: intervalMs,
    sample_k: sample?.k ?? 0,
    sample_n: sample?.n ?? 0,
    keep_on_disconnect: f.keep ?? false,
    ...(f.pcap !== undefined ? { pcap_snaplen: CAPTURE_BYTES } : {}),
  };
}

/** the --json document: the report without its human table */
function jsonReport(r: PairReport): Omit<PairReport, 'table'> {
  const { table: _table, ...rest } = r;
  void _table;
  return rest;
}

async function runPair(f: PairFlags): Promise<void> {
  const req = buildPairRequest(f);
  const pcapPath = f.pcap !== undefined ? checkPcapPath(f.pcap) : undefined;
  const client = controllerClient(f);
  const human = !f.json;
  // progress lines: stdout for humans; stderr when stdout carries JSON
  const progress = (line: string): void => void (human ? process.stdout.write(`${line}\n`) : process.stderr.write(`${line}\n`));
  try {
    // one stream starts the probe and carries its reports: the probe lives as long as this
    // command (unless --keep), whenever this command dies
    let info: ProbeInfo | undefined;
    let final: PairReport | undefined;
    let pcap: PcapFile | undefined;
    let interrupted = false;
    let cancelStart: (() => void) | undefined;
    const onSigint = (): void => {
      if (interrupted) process.exit(130);
      interrupted = true;
      if (!info) {
        // not started yet: cancelling the stream makes the controller undo the start
        progress('cancelling...');
        cancelStart?.();
        return;
      }
      progress('stopping (^C again to quit at once)...');
      client.unary('StopProbe', { probe_id: info.probe_id }, 15_000).then(
        (r) => (final ??= normalizePairReport(r)),
        () => {},
      );
    };
    process.on('SIGINT', onSigint);
    try {
      final = await new Promise<PairReport | undefined>((resolve, reject) => {
        const stream = client.stream('RunPairProbe', req, req.duration_ms + 60_000);
        cancelStart = () => stream.cancel();
        let last: PairReport | undefined;
        let seenTraffic = false;
        stream.on('data', (ev: PairProbeEvent) => {
          if (ev.kind === 'started') {
            info = ev.started;
            progress(`probe ${info.probe_id}: ${described(info.src_vm, info.src, info.src_host)} -> ${described(info.dst_vm, info.dst, info.dst_host)} for ${info.duration_ms / 1000}s, reports every ${info.interval_ms / 1000}s`);
            return;
          }
          const r = normalizePairReport(ev.report);
          if (ev.pcap) pcap = ev.pcap;
          if (r.final) last = r;
          else {
            progress(renderIntervalLine(r, seenTraffic));
            seenTraffic ||= !r.no_traffic;
          }
        });
        stream.on('end', () => resolve(last));
        stream.on('error', (e: unknown) => {
          if (last) resolve(last);
          else if (interrupted && !info) reject(new XtraceError('usage', 'interrupted before the probe started'));
          else reject(client.error(e));
        });
      });
    } finally {
      process.off('SIGINT', onSigint);
    }
    if (!info) throw new XtraceError('internal', 'the controller ended the stream before starting the probe');
    if (!final) throw new XtraceError('internal', `the controller ended probe ${info.probe_id} without a summary`);
    if (pcapPath !== undefined) {
      // (a probe stopped by ^C answers through StopProbe, which carries no captures)
      if (!pcap) throw new XtraceError('internal', `--pcap: the controller sent no captures of probe ${info.probe_id} (stopped early, or a controller without --pcap support)`);
      writeFileSync(pcapPath, pcap.pcapng);
      progress(`wrote ${pcap.packets} packets to ${f.pcap}${Number(pcap.dropped) > 0 ? ` (${pcap.dropped} more captured than the controller keeps, not written)` : ''}`);
    }
    if (human) process.stdout.write(`\n${final.table || renderPairReport(final)}\n`);
    else process.stdout.write(`${JSON.stringify(jsonReport(final), null, 2)}\n`);
    if (final.no_traffic) {
      throw new XtraceError('no_traffic', `probe ran for ${(final.elapsed_ms / 1000).toFixed(1)}s but saw no matching traffic between ${final.src_vm || final.src} and ${final.dst_vm || final.dst}${req.proto ? ` (proto ${req.proto}${req.port ? ` port ${req.port}` : ''})` : ''}; no numbers to report`);
    }
  } finally {
    client.close();
  }
}

export function registerPairCommand(program: Command): void {
  addControllerOptions(
    program
      .command('pair')
      .description('trace latency and loss between two VMs, hop by hop, across hypervisors')
      .requiredOption('--src <vm>', "source VM: its address, or its name (libvirt domain or QEMU -name, as the agents learn it)")
      .requiredOption('--dst <vm>', 'destination VM: its address or its name'),
  )
    .addOption(new Option('--proto <proto>', 'only this protocol').choices(['icmp', 'udp', 'tcp']))
    .option('--port <n>', 'only this UDP/TCP port (either side)')
    .option('--duration <d>', 'how long to trace (500ms, 10s, 2m)', '10s')
    .option('--interval <d>', 'interval report period', '1s')
    .option('--sample <k/n>', 'keep k of every n packets (same packets on every host), e.g. 1/10')
    .option('--json', `print the final report as JSON (schema xtrace.pair/v2, docs/json-schema.md); progress goes to stderr`)
    .option('--keep', 'keep the probe running if this command goes away')
    .option('--pcap <file>', `write the probe's packets (their first ${CAPTURE_BYTES} bytes, at each host's tc stages) to FILE as pcapng: an interface per host and stage, one time axis (the clock offsets applied)`)
    .addHelpText(
      'after',
      `
Examples:
  xtrace pair --src 192.168.1.10 --dst 192.168.1.20
  xtrace pair --src 10.0.0.1 --dst 10.0.0.2 --proto udp --port 5201 --duration 30s --sample 1/10
  xtrace pair --src 10.0.0.1 --dst 10.0.0.2 --json > report.json
  xtrace pair --src 10.0.0.1 --dst 10.0.0.2 --pcap path.pcapng && tshark -r path.pcapng
  xtrace pair --src web-01 --dst db-02        # VM names: \`xtrace agents\` lists the names and addresses the agents know

Exit codes: 0 ok, 1 the probe saw no matching traffic, 2 usage/input error, 3 controller/NATS/agent failure.`,
    )
    .action(async (f: PairFlags) => runPair(f));
}
