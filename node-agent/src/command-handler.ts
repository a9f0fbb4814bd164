/**
 * The agent's command subject: parses and validates each request (proto validateAgentCommand),
 * runs it on the agent's operations and replies ok or with a typed error.
 */
import type { Msg } from 'nats';
import type pino from 'pino';
import {
  XtraceError,
  errorMessage,
  errorReply,
  MAX_COMMAND_BYTES,
  formatFieldErrors,
  okReply,
  validateAgentCommand,
  type AgentCommand,
  type AgentHeartbeat,
  type AgentInspection,
  type CommandReply,
  type RenewCommand,
  type RenewResult,
  type StartProbeCommand,
  type StartProbeResult,
  type StopProbeResult,
  type UpdateProbeCommand,
} from '@xtrace/proto';
import { CommandError } from './command-error.js';

/** What the commands do; they throw a CommandError (or an XtraceError) to refuse. */
export interface AgentOperations {
  startProbe(cmd: StartProbeCommand): StartProbeResult;
  /** how many envelopes (and records in them) the probe published in all, also when it had stopped already; undefined when it never ran here */
  stopProbe(probeId: string, why: string): Promise<{ batches: number; records: number } | undefined>;
  updateProbe(cmd: UpdateProbeCommand): void;
  renew(cmd: RenewCommand): RenewResult;
  status(): AgentHeartbeat;
  /** what the kernel side has loaded (xtrace inspect) */
  inspect(): AgentInspection;
}

export class CommandHandler {
  constructor(
    private readonly ops: AgentOperations,
    private readonly log: pino.Logger,
  ) {}

  async handle(msg: Msg): Promise<void> {
    let reply: CommandReply;
    try {
      if (msg.data.byteLength > MAX_COMMAND_BYTES) {
        const message = `${msg.data.byteLength} bytes is more than ${MAX_COMMAND_BYTES}`;
        throw new CommandError('usage', `(command): ${message}`, [{ field: '(command)', message }]);
      }
      let input: unknown;
      try {
        input = msg.json();
      } catch (e: unknown) {
        throw new CommandError('usage', `(command): not JSON: ${errorMessage(e)}`, [{ field: '(command)', message: 'not JSON' }], { cause: e });
      }
      const v = validateAgentCommand(input);
      if (!v.ok) throw new CommandError('usage', formatFieldErrors(v.errors), v.errors);
      reply = okReply(await this.execute(v.value));
    } catch (e: unknown) {
      if (e instanceof CommandError) reply = errorReply(e.code, e.message, e.fields);
      else if (e instanceof XtraceError) reply = errorReply(e.code, e.message);
      else reply = errorReply('internal', errorMessage(e));
      this.log.warn({ err: e }, 'command rejected');
    }
    if (msg.reply) {
      try {
        msg.respond(JSON.stringify(reply));
      } catch (e: unknown) {
        this.log.warn({ err: e }, 'reply failed');
      }
    }
  }

  private async execute(cmd: AgentCommand): Promise<unknown> {
    switch (cmd.op) {
      case 'startProbe':
        return this.ops.startProbe(cmd);
      case 'stopProbe': {
        // batches and records: what this probe published in all (lets the controller count trailing loss)
        const published = await this.ops.stopProbe(cmd.probeId, 'stop command');
        const r: StopProbeResult = { probeId: cmd.probeId, stopped: published !== undefined, batches: published?.batches ?? 0, ...(published ? { records: published.records } : {}) };
        return r;
      }
      case 'updateProbe':
        this.ops.updateProbe(cmd);
        return { probeId: cmd.probeId, updated: true };
      case 'renew':
        return this.ops.renew(cmd);
      case 'status':
        return this.ops.status();
      case 'inspect':
        return this.ops.inspect();
    }
  }
}
