import type { Lab } from '../lab.js';
import type { VmInfo } from '../topology.js';
import { type EchoServer, startEchoServer } from './echo-server.js';
import { scriptArgv, waitForJsonLine } from './script-runner.js';
import type { Summary } from './summary.js';

/** TCP echo server in `vm` on `port`. */
export function startTcpEchoServer(lab: Lab, vm: VmInfo, port: number, opts: { durationMs?: number } = {}): Promise<EchoServer> {
  return startEchoServer(lab, vm, scriptArgv('tcp-echo-main.ts', { port, ...opts }), `tcp echo server in ${vm.ns}`);
}

interface TcpRrOptions {
  count: number;
  size?: number;
  /** requests per second; 0/absent = back to back */
  ratePps?: number;
  maxDurationMs?: number;
}

interface TcpRrResult {
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
