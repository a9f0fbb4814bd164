/** Request/reply to one agent's command subject, with errors mapped to XtraceError codes. */
import type { NatsConnection } from 'nats';
import { retryWhile } from './retry-while.js';
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

/** how long one attempt of sendAgentCommandRetried waits for its answer, at most */
const RETRIED_ATTEMPT_MS = 2000;
const RETRY_PAUSE_MS = 250;

/**
 * sendAgentCommand for an idempotent command (stopProbe: a repeated stop answers with the same
 * counts), tried again while the agent does not answer, until `windowMs` passed: an agent whose
 * NATS server just died answers again once it reconnected to another (a few hundred ms), and
 * one lost stop reply must not make a report's loss unknown.
 */
export function sendAgentCommandRetried<T>(nc: NatsConnection, host: string, cmd: AgentCommand, windowMs = 5000): Promise<T> {
  // a refusal (ok: false) has no cause: only "did not answer" is tried again
  const unanswered = (e: unknown): boolean => e instanceof AgentCommandError && e.code === 'agent' && e.cause !== undefined;
  return retryWhile(unanswered, (giveUpAt) => sendAgentCommand<T>(nc, host, cmd, Math.max(RETRY_PAUSE_MS, Math.min(giveUpAt - Date.now(), RETRIED_ATTEMPT_MS))), { forMs: windowMs, firstWaitMs: RETRY_PAUSE_MS });
}
