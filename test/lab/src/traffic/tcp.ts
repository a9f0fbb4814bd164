import type { Lab, VmInfo } from '../lab.js';
import { scriptArgv, waitForJsonLine } from './script-runner.js';
import type { Summary } from './summary.js';
import type { EchoServer } from './udp.js';

/** TCP echo server in `vm` on `port`. */
export async function startTcpEchoServer(lab: Lab, vm: VmInfo, port: number, opts: { durationMs?: number } = {}): Promise<EchoServer> {
  const child = lab.spawnIn(vm.ns, scriptArgv('tcp-echo-main.ts', { port, ...opts }));
  const what = `tcp echo server in ${vm.ns}`;
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

export interface TcpRrOptions {
  count: number;
  size?: number;
  /** requests per second; 0/absent = back to back */
  ratePps?: number;
  maxDurationMs?: number;
}

export interface TcpRrResult {
  connectUs: number;
  requests: number;
  responses: number;
  rttUs: Summary;
  error?: string;
}

/** TCP connect + request/response loop from `from` to dst:port. */
export async function tcpRequestResponse(lab: Lab, from: VmInfo, dst: string, port: number, o: TcpRrOptions): Promise<TcpRrResult> {
  const maxDurationMs = o.maxDurationMs ?? 30_000;
  const child = lab.spawnIn(from.ns, scriptArgv('tcp-client-main.ts', { dst, port, ...o, maxDurationMs }));
  return waitForJsonLine<TcpRrResult>(child, (v) => v['event'] === 'result', maxDurationMs + 15_000, `tcp client in ${from.ns}`);
}
