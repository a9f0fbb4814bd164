/**
 * NATS subjects shared by agent and controller. Host ids and probe ids become subject
 * tokens, so they are restricted to [A-Za-z0-9_-] (see isSubjectToken).
 */
const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

export function isSubjectToken(s: unknown): s is string {
  return typeof s === 'string' && TOKEN.test(s);
}

/** Turns a hostname like "hv-1.example.org" into a valid token ("hv-1_example_org"). */
export function toSubjectToken(s: string): string {
  const t = s.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 128);
  return t.length > 0 ? t : 'host';
}

export const Subjects = {
  /** request/reply: commands to one agent (JSON AgentCommand -> JSON CommandReply) */
  agentCmd: (host: string): string => `xtrace.agent.${host}.cmd`,
  /** agent heartbeat (JSON AgentHeartbeat) every heartbeat interval */
  agentHeartbeat: (host: string): string => `xtrace.agent.${host}.hb`,
  agentHeartbeatAll: 'xtrace.agent.*.hb',
  /**
   * agent announcement (JSON AgentHeartbeat) on start and when asked via registryDiscover; one
   * subject per host, so NATS permissions can let an agent announce only itself
   * (proto/src/nats-permissions.ts) and the registry can drop a payload naming another host
   */
  registryAnnounce: (host: string): string => `xtrace.registry.announce.${host}`,
  registryAnnounceAll: 'xtrace.registry.announce.*',
  /** controller start: agents answer by announcing at once (payload ignored) */
  registryDiscover: 'xtrace.registry.discover',
  /** agent -> controller: msgpack EventEnvelope of one probe's records from one host */
  events: (probeId: string, host: string): string => `xtrace.ev.${probeId}.${host}`,
  eventsOfProbe: (probeId: string): string => `xtrace.ev.${probeId}.*`,
} as const;

/** Host token of an `xtrace.ev.<probe>.<host>`, `xtrace.agent.<host>.*` or `xtrace.registry.announce.<host>` subject. */
export function hostOfSubject(subject: string): string | undefined {
  const parts = subject.split('.');
  if (parts[1] === 'ev') return parts[3];
  if (parts[1] === 'agent') return parts[2];
  if (parts[1] === 'registry' && parts[2] === 'announce') return parts[3];
  return undefined;
}
