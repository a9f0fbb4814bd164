import type { Lab } from '../lab.js';
import type { VmInfo } from '../topology.js';
import { type Distribution, ensureLabTools, UDP_ECHO_BIN } from '../relay-process.js';
import { type EchoServer, startEchoServer } from './echo-server.js';
import { scriptArgv, waitForJsonLine } from './script-runner.js';
import type { Summary } from './summary.js';

export interface UdpEchoStats {
  received: number;
  sent: number;
  send_errors: number;
  /** replies without a kernel receive stamp (not in serviceNs) */
  unstamped: number;
  /**
   * The service's own part of the VM turnaround: the guest kernel's receive stamp of a
   * request to just before the reply's sendto() (CLOCK_MONOTONIC).
   */
  service_ns: Distribution;
}

/**
 * UDP echo service in `vm` on `port`: a native program, as a VM's service would be, that
 * measures its own turnaround (so a test can add it to the VM relay's residences).
 */
export async function startUdpEchoServer(lab: Lab, vm: VmInfo, port: number, opts: { durationMs?: number } = {}): Promise<EchoServer<UdpEchoStats>> {
  await ensureLabTools();
  const argv = [UDP_ECHO_BIN, '--port', String(port)];
  if (opts.durationMs) argv.push('--duration-ms', String(opts.durationMs));
  return startEchoServer<UdpEchoStats>(lab, vm, argv, `udp echo server in ${vm.ns}`);
}

interface UdpRrOptions {
  count: number;
  ratePps: number;
  size?: number;
  timeoutMs?: number;
  maxDurationMs?: number;
}

interface UdpRrResult {
  sent: number;
  received: number;
  lost: number;
  duplicates: number;
  reordered: number;
  lossRate: number;
  rttUs: Summary;
  /** up to 100 sequence numbers without a reply */
  lostSeqs: number[];
}

/** UDP request/response from `from` to dst:port: count datagrams at ratePps, sequence-numbered. */
export async function udpRequestResponse(lab: Lab, from: VmInfo, dst: string, port: number, o: UdpRrOptions): Promise<UdpRrResult> {
  const child = lab.spawnIn(from.ns, scriptArgv('udp-client-main.ts', { dst, port, ...o }));
  const bound = o.maxDurationMs ?? (o.count / o.ratePps) * 1000 + (o.timeoutMs ?? 1000) + 5000;
  return waitForJsonLine<UdpRrResult>(child, (v) => v['event'] === 'result', bound + 15_000, `udp client in ${from.ns}`);
}
