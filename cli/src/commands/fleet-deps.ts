/** What the fleet commands (schedule, alert) share: their controller client, output and tables. */
import type { Command } from 'commander';
import type { XtraceMethodName, XtraceRequest, XtraceResponse, XtraceServiceName } from '@xtrace/proto/grpc';
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
export async function callController<S extends XtraceServiceName, M extends XtraceMethodName<S>, T extends XtraceResponse<S, M> = XtraceResponse<S, M>>(
  flags: { controller?: unknown },
  service: S,
  method: M,
  req: XtraceRequest<S, M>,
  timeoutMs?: number,
): Promise<T> {
  const client = new ControllerClient(controllerAddress(typeof flags.controller === 'string' ? flags.controller : undefined), service);
  try {
    return await client.unary<M, T>(method, req, timeoutMs);
  } finally {
    client.close();
  }
}

/** the one table helper (proto/src/render/table.ts), re-exported here for the fleet commands */
export { table } from '@xtrace/proto/render';
