import type { ChildProcess } from 'node:child_process';
import type { Lab, VmInfo } from '../lab.js';
import { scriptArgv, waitForJsonLine } from './script-runner.js';
import type { Summary } from './summary.js';

export interface EchoServer {
  child: ChildProcess;
  /** stops the server and returns its counters */
  stop(): Promise<Record<string, number>>;
}

async function startServer(lab: Lab, vm: VmInfo, script: string, args: object, what: string): Promise<EchoServer> {
  const child = lab.spawnIn(vm.ns, scriptArgv(script, args));
  await waitForJsonLine(child, (v) => v['event'] === 'listening', 15_000, what);
  let stopped: Promise<Record<string, number>> | undefined;
  return {
    child,
    stop() {
      if (!stopped) {
        stopped = waitForJsonLine<Record<string, number>>(child, (v) => v['event'] === 'stats', 5000, what);
        child.kill('SIGTERM');
      }
      return stopped;
    },
  };
}

/** UDP echo server in `vm` on `port`. */
export function startUdpEchoServer(lab: Lab, vm: VmInfo, port: number, opts: { durationMs?: number } = {}): Promise<EchoServer> {
  return startServer(lab, vm, 'udp-echo-main.ts', { port, ...opts }, `udp echo server in ${vm.ns}`);
}

export interface UdpRrOptions {
  count: number;
  ratePps: number;
  size?: number;
  timeoutMs?: number;
  maxDurationMs?: number;
}

export interface UdpRrResult {
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
