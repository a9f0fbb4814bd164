/**
 * Which agents a probe runs on: the agent that has seen --src and the one that has seen --dst
 * (one host when both are there), from the registry's heartbeats.
 */
import { UsageError, XtraceError } from '@xtrace/proto';
import type { AgentRecord, AgentRegistry } from './agent-registry.js';

export interface ProbeTargets {
  srcHost: string;
  dstHost: string;
  /** forward order: [srcHost, dstHost], or [host] for a same-host pair */
  hosts: string[];
}

export class ProbeTargetResolver {
  constructor(private readonly registry: AgentRegistry) {}

  /** Throws a UsageError (no agent saw the address) or an 'agent' XtraceError (its agent is down). */
  resolve(src: string, dst: string): ProbeTargets {
    const srcHost = this.agentOf(src, 'src').host;
    const dstHost = this.agentOf(dst, 'dst').host;
    return { srcHost, dstHost, hosts: srcHost === dstHost ? [srcHost] : [srcHost, dstHost] };
  }

  private agentOf(address: string, field: 'src' | 'dst'): AgentRecord {
    const found = this.registry.findByAddress(address);
    const up = found.filter((r) => r.state === 'up');
    if (up.length > 0) return up[0]!;
    if (found.length > 0) {
      const r = found[0]!;
      throw new XtraceError('agent', `${field}: ${address} is on ${r.host}, whose agent is down (last heartbeat ${Math.round((Date.now() - r.lastSeenMs) / 1000)} s ago)`);
    }
    const known = this.registry.knownVms();
    throw new UsageError(field, `no agent has seen ${address}; known VMs: ${known.length > 0 ? known.join(', ') : '(none: no agent is up)'}`);
  }
}
