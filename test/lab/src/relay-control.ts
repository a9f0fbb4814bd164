/**
 * A lab's relays (test/lab/README.md "The relay"): which relays a lab has and where each one
 * sits, starting one with its files in the lab's directory, waiting for its taps' carrier after
 * a restart, its truth log, and how each one is doing. One relay process is relay-process.ts.
 */
import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '@xtrace/proto';
import { LabError } from './errors.js';
import { HOST_NIC, VM_IFACE, hostNs, hostTap, labPrefix, vmNs, vmRelayName, wireNs, wirePort, wireRelayName } from './names.js';
import { isRelayProcess, queryRelayStats, startRelay, type RelayRecord } from './relay-process.js';
import { run, sleep } from './shell.js';
import { hostWireMode, type ResolvedLabSpec, type ResolvedRelayKnobs } from './spec.js';
import { labDir, type LabState } from './state.js';
import { parseTruthLog, TRUTH_RECORD_SIZE, type TruthRecord } from './truth-log.js';

/** Where a relay sits and what it injects: everything of its record but the process and its files. */
export type RelayPlacement = Pick<RelayRecord, 'name' | 'kind' | 'aNs' | 'aTap' | 'bNs' | 'bTap' | 'knobs' | 'seed'>;

export interface RelayStatus {
  name: string;
  kind: 'vm' | 'wire';
  pid: number;
  alive: boolean;
  a: string;
  b: string;
  knobs: ResolvedRelayKnobs;
}

/**
 * The relays of a lab in start order: per host, its wire relay (relay wire modes) then one per
 * VM. A wire relay joins the host's NIC tap to the wire bridge port, or in direct mode to host
 * 1's NIC tap; a VM relay joins the host tap to the VM's tap.
 */
export function plannedRelays(id: string, spec: ResolvedLabSpec): RelayPlacement[] {
  const out: RelayPlacement[] = [];
  for (let i = 0; i < spec.hosts; i++) {
    if (hostWireMode(spec.wireMode, i) === 'relay') {
      const knobs = spec.wireKnobs[i];
      if (!knobs) throw new LabError(`no wire knobs for host ${i}`);
      const [bNs, bTap] = spec.wireMode === 'direct' ? [hostNs(id, 1), HOST_NIC] : [wireNs(id), wirePort(i)];
      out.push({ name: wireRelayName(i), kind: 'wire', aNs: hostNs(id, i), aTap: HOST_NIC, bNs, bTap, knobs, seed: spec.seed + 10_000 + i });
    }
    for (let j = 0; j < spec.vmsPerHost; j++) {
      const knobs = spec.vmKnobs[i]?.[j];
      if (!knobs) throw new LabError(`no VM knobs for ${i}/${j}`);
      out.push({ name: vmRelayName(i, j), kind: 'vm', aNs: hostNs(id, i), aTap: hostTap(j), bNs: vmNs(id, i, j), bTap: VM_IFACE, knobs, seed: spec.seed + 1 + 100 * i + j });
    }
  }
  return out;
}

/** Starts relay `p` of lab `st` (files in the lab's directory) and records it in `st.relays`; the caller saves the state. */
export async function launchLabRelay(st: LabState, p: RelayPlacement, truthLog: boolean): Promise<RelayRecord> {
  const d = labDir(st.id);
  const rec = await startRelay({
    ...p,
    spinUs: st.spec.relaySpinUs,
    tag: `${labPrefix(st.id)}/${p.name}`,
    statsFile: join(d, `${p.name}.stats.json`),
    pidFile: join(d, `${p.name}.pid`),
    logFile: join(d, `${p.name}.log`),
    ...(truthLog ? { truthFile: join(d, `${p.name}.truth.bin`) } : {}),
  });
  st.relays[p.name] = rec;
  return rec;
}

/** Waits until both taps of a relay report carrier (the bridge port forwards again). */
export async function waitRelayCarrier(r: RelayRecord): Promise<void> {
  const deadline = Date.now() + 2000;
  for (const [ns, tap] of [
    [r.aNs, r.aTap],
    [r.bNs, r.bTap],
  ] as const) {
    for (;;) {
      const out = await run(['ip', '-n', ns, '-j', 'link', 'show', 'dev', tap]);
      const info = (JSON.parse(out.stdout) as Array<{ flags: string[] }>)[0];
      if (info?.flags.includes('LOWER_UP')) break;
      if (Date.now() > deadline) throw new LabError(`relay ${r.tag}: ${tap} in ${ns} has no carrier`);
      await sleep(5);
    }
  }
}

function truthFileOf(r: RelayRecord): string {
  if (!r.truthFile) throw new UsageError('truthLog', `relay ${r.name} keeps no truth log: start the lab with { truthLog: true } or set it with setRelayKnobs`);
  return r.truthFile;
}

/** Where a relay's truth log ends now (flushed first). */
export async function relayTruthMark(r: RelayRecord): Promise<number> {
  const file = truthFileOf(r);
  await queryRelayStats(r); // a stats request flushes the log
  return statSync(file).size;
}

/** The frames a relay logged from byte `since` of its truth log on (flushed first). */
export async function relayTruthSince(r: RelayRecord, since: number): Promise<TruthRecord[]> {
  const file = truthFileOf(r);
  await queryRelayStats(r);
  return parseTruthLog(readFileSync(file).subarray(since - (since % TRUTH_RECORD_SIZE)));
}

/** Every recorded relay, alive or not; a dead one and a relay that never started are problems. */
export function relayStatuses(st: LabState, problems: string[]): RelayStatus[] {
  const relays: RelayStatus[] = Object.values(st.relays).map((r) => {
    const alive = isRelayProcess(r.pid, r.tag);
    if (!alive) problems.push(`relay ${r.name} (pid ${r.pid}) not running`);
    return { name: r.name, kind: r.kind, pid: r.pid, alive, a: `${r.aNs}/${r.aTap}`, b: `${r.bNs}/${r.bTap}`, knobs: r.knobs };
  });
  const expected = st.spec.hosts * st.spec.vmsPerHost + Array.from({ length: st.spec.hosts }, (_, i) => hostWireMode(st.spec.wireMode, i)).filter((m) => m === 'relay').length;
  if (relays.length < expected) problems.push(`${expected - relays.length} relay(s) never started`);
  return relays;
}
