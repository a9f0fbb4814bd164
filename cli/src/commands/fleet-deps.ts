/** What the fleet commands (schedule, alert) share: their controller client, output and tables. */
import type { XtraceMethodName, XtraceRequest, XtraceResponse, XtraceServiceName } from '@xtrace/proto/grpc';
import { controllerClient, type ControllerFlags } from '../controller-flags.js';

export interface FleetCommandDeps {
  /** stdout writer; tests inject their own */
  out?: (text: string) => void;
}

export function fleetDeps(deps: FleetCommandDeps = {}): Required<FleetCommandDeps> {
  return { out: deps.out ?? ((t) => void process.stdout.write(t)) };
}

/** A unary call of one of the controller's services, on a client closed afterwards. */
export async function callController<S extends XtraceServiceName, M extends XtraceMethodName<S>, T extends XtraceResponse<S, M> = XtraceResponse<S, M>>(
  flags: ControllerFlags,
  service: S,
  method: M,
  req: XtraceRequest<S, M>,
  timeoutMs?: number,
): Promise<T> {
  const client = controllerClient(flags, service);
  try {
    return await client.unary<M, T>(method, req, timeoutMs);
  } finally {
    client.close();
  }
}

/** the one table helper (proto/src/render/table.ts), re-exported here for the fleet commands */
export { table } from '@xtrace/proto/render';
