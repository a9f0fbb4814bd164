import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { pino } from 'pino';
import { UsageError } from '@xtrace/proto';
import { LabError } from './errors.js';
import { spawnInNs, type ExecOptions } from './lab-processes.js';
import { labStatus, type LabStatus } from './lab-status.js';
import { checkLabId, listLabIds, teardownLab, type TeardownReport } from './lab-teardown.js';
import { LAB_NAME_RE, hostNs, labPrefix, randomLabId, wireNs } from './names.js';
import { buildNetwork, waitBridgesForwarding } from './network-build.js';
import { addNftDropRule, nftDropCount, removeNftDropRule, type DropRule, type DropRuleSpec } from './nft-rules.js';
import {
  launchLabRelay,
  plannedRelays,
  relayTruthMark,
  relayTruthSince,
  waitRelayCarrier,
  type RelayPlacement,
} from './relay-control.js';
import { queryRelayStats, resetRelayStats, stopRelay, type RelayRecord, type RelayStats } from './relay-process.js';
import { inNs, listNetns, run, type RunResult } from './shell.js';
import { isIdle, resolveKnobs, resolveSpec, type LabSpec, type RelayKnobs, type ResolvedRelayKnobs } from './spec.js';
import { claimSlot, labDir, listStateIds, readState, stateFile, writeState, type LabState } from './state.js';
import { hostInfo, hostInfos, labNamespaces, vmInfo, type HostInfo, type VmInfo } from './topology.js';
import type { TruthRecord } from './truth-log.js';

const log = pino({ name: 'xtrace-lab', level: process.env['XTRACE_LOG_LEVEL'] ?? 'warn' });

/**
 * A multi-hypervisor lab on one machine (see test/lab/README.md): hypervisors are network
 * namespaces with a NIC, a bridge `br0` standing in for OVS, VXLAN to the other hosts and
 * taps for VMs; each VM is an xtrace-relay process between the host tap and a tap in the VM's
 * own namespace; the wire can be relays too. Relays inject known delay/jitter/loss and
 * report ground truth.
 *
 * Lab orchestrates and keeps the state file current; the parts are their own files: the
 * topology (topology.ts), building the network (network-build.ts), the relays
 * (relay-control.ts), drop rules (nft-rules.ts), processes in namespaces (lab-processes.ts),
 * teardown (lab-teardown.ts) and status (lab-status.ts).
 */
export class Lab {
  private constructor(private st: LabState) {}

  get id(): string {
    return this.st.id;
  }
  get slot(): number {
    return this.st.slot;
  }
  get prefix(): string {
    return labPrefix(this.st.id);
  }
  get hostCount(): number {
    return this.st.spec.hosts;
  }
  get vmsPerHost(): number {
    return this.st.spec.vmsPerHost;
  }
  get dir(): string {
    return labDir(this.st.id);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Builds a lab. On any failure everything created so far is removed before the error is thrown. */
  static async up(spec: LabSpec = {}): Promise<Lab> {
    let id = spec.id;
    if (id !== undefined) {
      checkLabId(id);
      if (readState(id)) throw new UsageError('id', `lab ${id} already exists (${stateFile(id)}); take it down first`);
    } else {
      const used = new Set([...listStateIds(), ...(await listNetns()).map((n) => LAB_NAME_RE.exec(n)?.[1])]);
      do id = randomLabId();
      while (used.has(id));
    }
    const resolved = resolveSpec(spec, id);
    const slot = claimSlot(id);
    const st: LabState = {
      id,
      slot,
      createdAt: new Date().toISOString(),
      phase: 'building',
      spec: resolved,
      relays: {},
      dropRules: [],
      nextRule: 1,
      offloads: 'unchanged',
    };
    mkdirSync(labDir(id), { recursive: true });
    writeState(st);
    const lab = new Lab(st);
    try {
      await lab.build();
      st.phase = 'up';
      lab.save();
      return lab;
    } catch (e: unknown) {
      log.warn({ id, err: e }, 'lab up failed, tearing down');
      try {
        await Lab.teardown(id);
      } catch (e2: unknown) {
        throw new LabError(`lab ${id}: up failed (${String(e)}) and teardown failed too`, { cause: e2 });
      }
      throw e;
    }
  }

  /** A handle on an existing lab (from its state file). */
  static attach(id: string): Lab {
    const st = readState(id);
    if (!st) throw new UsageError('id', `no lab ${id} (no ${stateFile(id)})`);
    return new Lab(st);
  }

  /** Ids of every lab known on this machine (state files, plus leftovers found by name). */
  static listIds(): Promise<string[]> {
    return listLabIds();
  }

  /** Takes this lab down (idempotent). */
  async down(): Promise<TeardownReport> {
    return Lab.teardown(this.st.id);
  }

  /** Removes every relay, namespace, link and state of lab `id`, even after a partial up. */
  static teardown(id: string): Promise<TeardownReport> {
    return teardownLab(id);
  }

  /** Takes down every lab on this machine. */
  static async teardownAll(): Promise<TeardownReport[]> {
    const out: TeardownReport[] = [];
    for (const id of await Lab.listIds()) out.push(await Lab.teardown(id));
    return out;
  }

  private save(): void {
    writeState(this.st);
  }

  // ---------------------------------------------------------------- build

  /** The network, then the relays that join its taps (every VM is one; the wire is one per host in relay mode). */
  private async build(): Promise<void> {
    const offloads = await buildNetwork(this.st);
    if (offloads !== undefined) this.st.offloads = offloads;
    this.save();
    for (const p of plannedRelays(this.st.id, this.st.spec)) await this.launchRelay(p, this.st.spec.truthLog);
    await waitBridgesForwarding([wireNs(this.st.id), ...Array.from({ length: this.st.spec.hosts }, (_, i) => hostNs(this.st.id, i))]);
  }

  private async launchRelay(p: RelayPlacement, truthLog: boolean): Promise<RelayRecord> {
    const rec = await launchLabRelay(this.st, p, truthLog);
    this.save();
    return rec;
  }

  // ---------------------------------------------------------------- topology

  hostSpec(i: number): HostInfo {
    return hostInfo(this.st, i);
  }

  hosts(): HostInfo[] {
    return hostInfos(this.st);
  }

  vm(host: number, index: number): VmInfo {
    return vmInfo(this.st, host, index);
  }

  vms(): VmInfo[] {
    return this.hosts().flatMap((h) => h.vms);
  }

  /**
   * NATS URL an agent inside host `host` uses: the root-namespace end of its management veth.
   * nats-server must listen on 0.0.0.0 (or on that address) in the root namespace.
   */
  managementUrl(natsPort: number, host = 0): string {
    return `nats://${this.hostSpec(host).mgmtRootIp}:${natsPort}`;
  }

  /** Clock skew recorded for host i (the lab does not apply it; the agent starter does). */
  clockSkewNs(host: number): number {
    return this.hostSpec(host).clockSkewNs;
  }

  // ---------------------------------------------------------------- processes

  /** Runs argv inside namespace `ns` and waits for it (throws on non-zero unless allowFail). */
  exec(ns: string, argv: readonly string[], opts: ExecOptions = {}): Promise<RunResult> {
    this.checkNs(ns);
    return run(inNs(ns, argv), opts);
  }

  /** Starts argv inside namespace `ns` (ip netns exec; the child's pid is argv's). Killed by down(). */
  spawnIn(ns: string, argv: readonly string[], opts: SpawnOptions = {}): ChildProcess {
    this.checkNs(ns);
    return spawnInNs(ns, argv, opts);
  }

  /** Every namespace of this lab: wire, hosts, VMs. */
  namespaces(): string[] {
    return labNamespaces(this.st);
  }

  private checkNs(ns: string): void {
    if (!this.namespaces().includes(ns)) throw new UsageError('ns', `${ns} is not a namespace of lab ${this.st.id}`);
  }

  // ---------------------------------------------------------------- relays

  relayNames(): string[] {
    return Object.keys(this.st.relays).sort();
  }

  relay(name: string): RelayRecord {
    const r = this.st.relays[name];
    if (!r) throw new UsageError('relay', `no relay ${name} in lab ${this.st.id} (have ${this.relayNames().join(', ')})`);
    return r;
  }

  /** Fresh counters and residence percentiles of a relay (SIGUSR1 + read of its stats file). */
  relayStats(name: string): Promise<RelayStats> {
    return queryRelayStats(this.relay(name));
  }

  /** Zeroes a relay's counters and samples (SIGUSR2), confirmed before returning. */
  resetRelayStats(name: string): Promise<void> {
    return resetRelayStats(this.relay(name));
  }

  /**
   * Where a relay's truth log (`truthLog` in the spec) ends now: pass it to relayTruth after the
   * traffic to read only that traffic's frames. Flushes the log first.
   */
  relayTruthMark(name: string): Promise<number> {
    return relayTruthMark(this.relay(name));
  }

  /** The frames a relay logged from byte `since` of its truth log on (relayTruthMark); flushes the log first. */
  relayTruth(name: string, since = 0): Promise<TruthRecord[]> {
    return relayTruthSince(this.relay(name), since);
  }

  /**
   * Changes a relay's knobs (restarts it on the same taps; frames in flight during the
   * restart are lost, counters restart at zero). Directions not given keep their value.
   */
  async setRelayKnobs(name: string, knobs: RelayKnobs, opts: { truthLog?: boolean } = {}): Promise<RelayRecord> {
    const old = this.relay(name);
    const resolved = resolveKnobs(`relay ${name}`, knobs, old.knobs);
    await stopRelay(old.pid, old.tag);
    const truth = opts.truthLog ?? old.truthFile !== undefined;
    const { name: n, kind, aNs, aTap, bNs, bTap, seed } = old;
    const rec = await this.launchRelay({ name: n, kind, aNs, aTap, bNs, bTap, knobs: resolved, seed }, truth);
    await waitRelayCarrier(rec);
    await waitBridgesForwarding([rec.aNs, rec.bNs]);
    return rec;
  }

  /** Wire knobs of host i: ab = host egress onto the wire, ba = ingress from the wire. */
  setWireImpairment(host: number, knobs: RelayKnobs): Promise<RelayRecord> {
    const w = this.hostSpec(host).wireRelay;
    if (!w) throw new UsageError('wire', 'wire mode is veth: no wire relay to impair');
    return this.setRelayKnobs(w, knobs);
  }

  /** VM knobs: ab = host → VM (guest rx), ba = VM → host (guest tx). */
  setVmImpairment(host: number, vm: number, knobs: RelayKnobs): Promise<RelayRecord> {
    return this.setRelayKnobs(this.vm(host, vm).relay, knobs);
  }

  // ---------------------------------------------------------------- nftables

  /**
   * Adds an nftables drop rule inside host `host`: `match` is nft rule syntax
   * (e.g. `ip protocol icmp`, `udp dport 5000`). netdev family hooks a device (e.g. `vxlan0`
   * sees decapsulated inner frames, `nic0` sees the VXLAN outer packets); bridge family hooks br0.
   * The rule counts what it drops: read it with dropRuleCount().
   */
  async addDropRule(host: number, rule: DropRuleSpec): Promise<DropRule> {
    const ns = this.hostSpec(host).ns;
    const table = `${this.prefix}_drop${this.st.nextRule++}`;
    const rec = await addNftDropRule(ns, host, table, rule);
    this.st.dropRules.push(rec);
    this.save();
    return { host, family: rule.family, table };
  }

  /** Packets the rule has dropped so far. */
  dropRuleCount(rule: DropRule): Promise<number> {
    return nftDropCount(this.hostSpec(rule.host).ns, rule);
  }

  async removeDropRule(rule: DropRule): Promise<void> {
    await removeNftDropRule(this.hostSpec(rule.host).ns, rule);
    this.st.dropRules = this.st.dropRules.filter((r) => r.table !== rule.table);
    this.save();
  }

  // ---------------------------------------------------------------- status

  async status(): Promise<LabStatus> {
    const fresh = readState(this.st.id);
    if (fresh) this.st = fresh;
    return labStatus(this.st, new Set(await listNetns()));
  }

  /** Knobs currently applied to relay `name`. */
  knobs(name: string): ResolvedRelayKnobs {
    return this.relay(name).knobs;
  }

  /** True when no relay of the lab injects anything. */
  isPristine(): boolean {
    return Object.values(this.st.relays).every((r) => isIdle(r.knobs));
  }
}
