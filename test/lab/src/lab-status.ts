/** What `xtrace lab status` reports about a lab: its state next to what exists on the machine. */
import { relayStatuses, type RelayStatus } from './relay-control.js';
import type { WireMode } from './spec.js';
import { stateFile, type DropRuleRecord, type LabState } from './state.js';
import { hostInfos, labNamespaces, type HostInfo } from './topology.js';

export interface LabStatus {
  id: string;
  slot: number;
  phase: 'building' | 'up';
  createdAt: string;
  wireMode: WireMode;
  offloads: string;
  stateFile: string;
  hosts: Array<HostInfo & { exists: boolean }>;
  namespaces: Array<{ name: string; exists: boolean }>;
  relays: RelayStatus[];
  dropRules: DropRuleRecord[];
  /** what is missing or dead; empty when the lab is whole */
  problems: string[];
}

/** The status of lab `st` given the namespaces that exist now (`liveNs`) and its relays' processes. */
export function labStatus(st: LabState, liveNs: ReadonlySet<string>): LabStatus {
  const problems: string[] = [];
  const namespaces = labNamespaces(st).map((name) => {
    const exists = liveNs.has(name);
    if (!exists) problems.push(`namespace ${name} missing`);
    return { name, exists };
  });
  const relays = relayStatuses(st, problems);
  if (st.phase !== 'up') problems.push('lab is partial (up did not finish)');
  return {
    id: st.id,
    slot: st.slot,
    phase: st.phase,
    createdAt: st.createdAt,
    wireMode: st.spec.wireMode,
    offloads: st.offloads,
    stateFile: stateFile(st.id),
    hosts: hostInfos(st).map((h) => ({ ...h, exists: liveNs.has(h.ns) })),
    namespaces,
    relays,
    dropRules: [...st.dropRules],
    problems,
  };
}
