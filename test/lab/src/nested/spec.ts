/** What a nested lab is asked for, and the same with every default filled in. */
import { UsageError } from '@xtrace/proto';
import { MAX_VMS_PER_HOST, NESTED_HOSTS, NESTED_ID_RE, randomNestedId } from './addresses.js';
import type { NestedKernel } from './assets.js';
import { listNestedStateIds } from './state.js';

export interface NestedAgentOptions {
  /** appended to `agent --nats … --host-id …` */
  args?: string[];
  /** set for the agent (XTRACE_LOG_LEVEL defaults to this process's, else info) */
  env?: Record<string, string>;
  /** until its log says "agent running" (default 180 s: node starts slowly under TCG) */
  timeoutMs?: number;
}

export interface NestedLabSpec {
  /** 4 chars [a-z0-9] (default: random) */
  id?: string;
  kernel: NestedKernel;
  /** two: one point-to-point underlay link joins them */
  hosts: 2;
  /** default 1, at most 4 */
  vmsPerHost?: number;
  /** the port of the NATS server on the machine's 127.0.0.1 that agents reach */
  natsPort: number;
  agent?: NestedAgentOptions & { start: boolean };
  /** per hypervisor (default 2048) */
  memoryMb?: number;
  /** per VM (default 256) */
  vmMemoryMb?: number;
  /** for up() as a whole (default 300 s) */
  timeoutMs?: number;
}

interface ResolvedNestedSpec {
  id: string;
  vmsPerHost: number;
  memoryMb: number;
  vmMemoryMb: number;
  timeoutMs: number;
}

export const DEFAULT_AGENT_TIMEOUT_MS = 180_000;

export function resolveNestedSpec(spec: NestedLabSpec): ResolvedNestedSpec {
  if (spec.hosts !== NESTED_HOSTS) {
    throw new UsageError('hosts', `the nested lab has exactly ${NESTED_HOSTS} hypervisors (one point-to-point underlay link), got ${String(spec.hosts)}`);
  }
  const vmsPerHost = spec.vmsPerHost ?? 1;
  if (!Number.isInteger(vmsPerHost) || vmsPerHost < 1 || vmsPerHost > MAX_VMS_PER_HOST) throw new UsageError('vmsPerHost', `expected 1..${MAX_VMS_PER_HOST}, got ${vmsPerHost}`);
  if (!Number.isInteger(spec.natsPort) || spec.natsPort < 1 || spec.natsPort > 65535) throw new UsageError('natsPort', `expected a TCP port, got ${spec.natsPort}`);
  const taken = new Set(listNestedStateIds());
  let id = spec.id;
  if (id !== undefined) {
    if (!NESTED_ID_RE.test(id)) throw new UsageError('id', `expected 4 chars [a-z0-9], got "${id}"`);
    if (taken.has(id)) throw new UsageError('id', `nested lab ${id} exists; take it down first (NestedLab.teardownAll)`);
  } else {
    do id = randomNestedId();
    while (taken.has(id));
  }
  return { id, vmsPerHost, memoryMb: spec.memoryMb ?? 2048, vmMemoryMb: spec.vmMemoryMb ?? 256, timeoutMs: spec.timeoutMs ?? 300_000 };
}
