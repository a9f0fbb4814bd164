/**
 * Commands to every agent of a probe's path at once. Starting is all or nothing: when one agent
 * fails, the probe is stopped on all of them (never left running on part of the path).
 */
import type { NatsConnection } from 'nats';
import type pino from 'pino';
import { XtraceError, errorMessage, type RenewResult, type StartProbeCommand, type StartProbeResult } from '@xtrace/proto';
import { sendAgentCommand } from './agent-client.js';

export class ProbeFanout {
  constructor(
    private readonly nc: NatsConnection,
    private readonly commandTimeoutMs: number,
  ) {}

  /**
   * Starts the probe on every host and returns each host's BPF slot. On any failure, rolls back
   * and throws the first failure (an XtraceError; anything else wrapped as 'agent').
   */
  async start(hosts: string[], cmd: StartProbeCommand, log: pino.Logger): Promise<Record<string, number>> {
    const results = await Promise.allSettled(hosts.map((h) => sendAgentCommand<StartProbeResult>(this.nc, h, cmd, this.commandTimeoutMs)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) {
      await this.rollback(hosts, cmd.probeId);
      const first = failed.reason as unknown;
      log.warn({ err: first }, 'probe start failed');
      throw first instanceof XtraceError ? first : new XtraceError('agent', errorMessage(first), { cause: first });
    }
    const slots: Record<string, number> = {};
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') slots[hosts[i]!] = r.value.slot;
    });
    return slots;
  }

  /** Stops the probe on every host, ignoring failures (an agent missed stops it when its lease runs out). */
  async rollback(hosts: string[], probeId: string): Promise<void> {
    await Promise.allSettled(hosts.map((h) => sendAgentCommand(this.nc, h, { op: 'stopProbe', probeId }, this.commandTimeoutMs)));
  }

  /** Renews the probe's lease on every host; `onUnknown(host)` when an agent no longer runs it. Failures are logged. */
  async renew(hosts: string[], probeId: string, leaseMs: number, log: pino.Logger, onUnknown: (host: string) => void): Promise<void> {
    await Promise.all(
      hosts.map(async (h) => {
        try {
          const r = await sendAgentCommand<RenewResult>(this.nc, h, { op: 'renew', probeIds: [probeId], leaseMs }, this.commandTimeoutMs);
          if (r.unknown.length > 0) onUnknown(h);
        } catch (e: unknown) {
          log.warn({ err: e, host: h }, 'lease renewal failed');
        }
      }),
    );
  }
}
