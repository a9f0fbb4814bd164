/** What the fleet commands (schedule, alert, history) need from outside; tests inject their own. */
import type { NatsConnection } from 'nats';
import { connectNats, resolveNatsSettings } from '@xtrace/proto';

export interface FleetCommandDeps {
  /** open a NATS connection from the command's --nats* flags / XTRACE_NATS_* env */
  connect?: (flags: Record<string, unknown>) => Promise<NatsConnection>;
  /** stdout writer */
  out?: (text: string) => void;
}

export function fleetDeps(deps: FleetCommandDeps = {}): Required<FleetCommandDeps> {
  return {
    connect: deps.connect ?? ((flags) => connectNats(resolveNatsSettings(flags), 'xtrace-cli', { maxReconnectAttempts: 0 })),
    out: deps.out ?? ((t) => void process.stdout.write(t)),
  };
}

/** Run `f` with a connection that is always closed afterwards. */
export async function withNats<T>(deps: Required<FleetCommandDeps>, flags: Record<string, unknown>, f: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await deps.connect(flags);
  try {
    return await f(nc);
  } finally {
    await nc.close();
  }
}

/** the one table helper (proto/src/render/table.ts), re-exported here for the fleet commands */
export { table } from '@xtrace/proto/render';
