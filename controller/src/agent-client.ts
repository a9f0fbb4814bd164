/** Request/reply to one agent's command subject, with errors mapped to XtraceError codes. */
import type { NatsConnection } from 'nats';
import { Subjects, XtraceError, errorMessage, type AgentCommand, type CommandReply } from '@xtrace/proto';

class AgentCommandError extends XtraceError {
  constructor(
    readonly host: string,
    code: XtraceError['code'],
    message: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

export async function sendAgentCommand<T>(nc: NatsConnection, host: string, cmd: AgentCommand, timeoutMs = 5000): Promise<T> {
  let raw: unknown;
  try {
    const msg = await nc.request(Subjects.agentCmd(host), JSON.stringify(cmd), { timeout: timeoutMs });
    raw = msg.json();
  } catch (e: unknown) {
    throw new AgentCommandError(host, 'agent', `agent ${host} did not answer ${cmd.op}: ${errorMessage(e)}`, undefined, { cause: e });
  }
  const reply = raw as CommandReply<T>;
  if (typeof reply !== 'object' || reply === null || typeof reply.ok !== 'boolean') {
    throw new AgentCommandError(host, 'agent', `agent ${host} sent a malformed reply to ${cmd.op}`);
  }
  if (!reply.ok) {
    const code = reply.error.code === 'usage' ? 'usage' : reply.error.code === 'bpf' ? 'bpf' : 'agent';
    throw new AgentCommandError(host, code, `agent ${host}: ${reply.error.message}`, reply.error.field);
  }
  return reply.result;
}
