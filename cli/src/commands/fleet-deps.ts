/** What the fleet commands (schedule, alert) share: their controller client, output and tables. */
import type { Command } from 'commander';
import type { XtraceServiceName } from '@xtrace/proto/grpc';
import { ControllerClient, controllerAddress } from '../grpc-client.js';

export interface FleetCommandDeps {
  /** stdout writer; tests inject their own */
  out?: (text: string) => void;
}

export function fleetDeps(deps: FleetCommandDeps = {}): Required<FleetCommandDeps> {
  return { out: deps.out ?? ((t) => void process.stdout.write(t)) };
}

/** Adds --controller (as `xtrace pair` has it) to a subcommand. */
export function addControllerOption(cmd: Command): Command {
  return cmd.option('--controller <host:port>', 'controller gRPC address [env XTRACE_CONTROLLER, default 127.0.0.1:7070]');
}

/** A unary call of one of the controller's services, on a client closed afterwards. */
export async function callController<T>(flags: { controller?: unknown }, service: XtraceServiceName, method: string, req: unknown, timeoutMs?: number): Promise<T> {
  const client = new ControllerClient(controllerAddress(typeof flags.controller === 'string' ? flags.controller : undefined), service);
  try {
    return await client.unary<T>(method, req, timeoutMs);
  } finally {
    client.close();
  }
}

export function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd()).join('\n');
}
