import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { UsageError } from '@xtrace/proto';
import { LabError } from './errors.js';
import {
  HOST_BRIDGE,
  HOST_MGMT,
  HOST_NIC,
  HOST_VXLAN,
  LAB_ID_RE,
  LAB_NAME_RE,
  NIC_MTU,
  VM_IFACE,
  VM_MTU,
  VXLAN_PORT,
  VXLAN_VNI,
  WIRE_BRIDGE,
  hostNs,
  hostTap,
  labPrefix,
  mgmtHostIp,
  mgmtRootIp,
  mgmtRootLink,
  nicMac,
  randomLabId,
  underlayIp,
  vmIp,
  vmMac,
  vmNs,
  vmRelayName,
  wireNs,
  wirePort,
  wireRelayName,
} from './names.js';
import {
  findRelayPids,
  isRelayProcess,
  queryRelayStats,
  resetRelayStats,
  startRelay,
  stopRelay,
  type RelayRecord,
  type RelayStats,
} from './relay-process.js';
import { parseTruthLog, TRUTH_RECORD_SIZE, type TruthRecord } from './truth-log.js';
import { inNs, ipBatch, listNetns, listRootLinks, pidAlive, run, sleep, type RunOptions, type RunResult } from './shell.js';
import { hostWireMode, isIdle, resolveKnobs, resolveSpec, type LabSpec, type WireMode, type RelayKnobs, type ResolvedRelayKnobs } from './spec.js';
import {
  claimSlot,
  labDir,
  listStateIds,
  readState,
  removeState,
  stateFile,
  writeState,
  type DropRuleRecord,
  type LabState,
} from './state.js';

const log = pino({ name: 'xtrace-lab', level: process.env['XTRACE_LOG_LEVEL'] ?? 'warn' });

export interface VmInfo {
  host: number;
  index: number;
  /** the VM's namespace (its tap `eth0` holds `ip`) */
  ns: string;
  ip: string;
  mac: string;
  iface: string;
  /** the host-side tap on br0 */
  hostTap: string;
  relay: string;
}

export interface HostInfo {
  index: number;
  ns: string;
  nic: string;
  bridge: string;
  vxlan: string;
  underlayIp: string;
  nicMac: string;
  /** the agent's side of the management link (inside `ns`) */
  mgmtIface: string;
  mgmtHostIp: string;
  /** the root namespace's side: what an agent in this host connects to */
  mgmtRootIp: string;
  mgmtRootLink: string;
  /** recorded only; hand it to the agent started for this host */
  clockSkewNs: number;
  wireRelay?: string;
  vms: VmInfo[];
}

export type DropRuleSpec =
  | { family: 'netdev'; device: string; hook?: 'ingress' | 'egress'; match: string }
  | { family: 'bridge'; hook?: 'prerouting' | 'forward' | 'postrouting'; match: string };

export interface DropRule {
  host: number;
  family: 'netdev' | 'bridge';
  table: string;
}

export interface RelayStatus {
  name: string;
  kind: 'vm' | 'wire';
  pid: number;
  alive: boolean;
  a: string;
  b: string;
  knobs: ResolvedRelayKnobs;
}

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

export interface TeardownReport {
  id: string;
  killedRelays: number;
  killedProcesses: number;
  namespaces: string[];
  links: string[];
}

export interface ExecOptions extends Omit<RunOptions, 'cwd'> {
  cwd?: string;
}

async function hasEthtool(): Promise<boolean> {
  const r = await run(['sh', '-c', 'command -v ethtool'], { allowFail: true });
  return r.code === 0;
}

/**
 * A multi-hypervisor lab on one machine (see test/lab/README.md): hypervisors are network
 * namespaces with a NIC, a bridge `br0` standing in for OVS, VXLAN to the other hosts and
 * taps for VMs; each VM is an xtrace-relay process between the host tap and a tap in the VM's
 * own namespace; the wire can be relays too. Relays inject known delay/jitter/loss and
 * report ground truth.
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
      if (!LAB_ID_RE.test(id)) throw new UsageError('id', `expected 4 chars [a-z0-9], got "${id}"`);
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
  static async listIds(): Promise<string[]> {
    const ids = new Set(listStateIds());
    for (const n of [...(await listNetns()), ...(await listRootLinks())]) {
      const m = LAB_NAME_RE.exec(n);
      if (m?.[1]) ids.add(m[1]);
    }
    for (const r of findRelayPids('xl')) {
      const m = /^xl([a-z0-9]{4})\//.exec(r.tag);
      if (m?.[1]) ids.add(m[1]);
    }
    return [...ids].sort();
  }

  /** Takes this lab down (idempotent). */
  async down(): Promise<TeardownReport> {
    return Lab.teardown(this.st.id);
  }

  /** Removes every relay, namespace, link and state of lab `id`, even after a partial up. */
  static async teardown(id: string): Promise<TeardownReport> {
    if (!LAB_ID_RE.test(id)) throw new UsageError('id', `expected 4 chars [a-z0-9], got "${id}"`);
    const rep: TeardownReport = { id, killedRelays: 0, killedProcesses: 0, namespaces: [], links: [] };
    const st = readState(id);
    const tagPrefix = `${labPrefix(id)}/`;
    const relays = new Map<number, string>();
    for (const r of Object.values(st?.relays ?? {})) relays.set(r.pid, r.tag);
    for (const r of findRelayPids(tagPrefix)) relays.set(r.pid, r.tag);
    for (const [pid, tag] of relays) {
      if (isRelayProcess(pid, tag)) {
        await stopRelay(pid, tag);
        rep.killedRelays++;
      }
    }
    const mine = (name: string): boolean => LAB_NAME_RE.exec(name)?.[1] === id;
    for (const ns of (await listNetns()).filter(mine)) {
      rep.killedProcesses += await killNsProcesses(ns);
      const r = await run(['ip', 'netns', 'del', ns], { allowFail: true });
      if (r.code !== 0 && (await listNetns()).includes(ns)) throw new LabError(`ip netns del ${ns}: ${r.stderr.trim()}`);
      rep.namespaces.push(ns);
    }
    for (const link of (await listRootLinks()).filter(mine)) {
      await run(['ip', 'link', 'del', link], { allowFail: true });
      rep.links.push(link);
    }
    removeState(id);
    return rep;
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

  private async build(): Promise<void> {
    const { id, slot } = this.st;
    const spec = this.st.spec;
    const H = spec.hosts;
    const M = spec.vmsPerHost;
    const allNs = [wireNs(id)];
    for (let i = 0; i < H; i++) {
      allNs.push(hostNs(id, i));
      for (let j = 0; j < M; j++) allNs.push(vmNs(id, i, j));
    }
    await ipBatch(null, allNs.map((n) => `netns add ${n}`));
    // No IPv6 anywhere in the lab (no ND/MLD/RS noise on the traced path), and no netfilter on
    // the bridges when br_netfilter is loaded on the machine (it drops veth-bridged VXLAN).
    const sysctls = [
      'net.ipv6.conf.all.disable_ipv6=1',
      'net.ipv6.conf.default.disable_ipv6=1',
      'net.bridge.bridge-nf-call-iptables=0',
      'net.bridge.bridge-nf-call-ip6tables=0',
      'net.bridge.bridge-nf-call-arptables=0',
    ];
    await Promise.all(allNs.map((n) => run(inNs(n, ['sysctl', '-q', '-e', '-w', ...sysctls]))));

    const W = wireNs(id);
    await ipBatch(W, ['link set lo up', `link add ${WIRE_BRIDGE} type bridge stp_state 0 mcast_snooping 0`, `link set ${WIRE_BRIDGE} up`]);

    // root side: management veths (+ veth wires), created from the root namespace
    const root: string[] = [];
    for (let i = 0; i < H; i++) {
      const h = hostNs(id, i);
      const ml = mgmtRootLink(id, i);
      root.push(`link add ${ml} type veth peer name ${HOST_MGMT} netns ${h}`);
      root.push(`addr add ${mgmtRootIp(slot, i)}/30 dev ${ml}`);
      root.push(`link set ${ml} up`);
      if (hostWireMode(spec.wireMode, i) === 'veth') root.push(`link add ${HOST_NIC} netns ${h} type veth peer name ${wirePort(i)} netns ${W}`);
    }
    await ipBatch(null, root);

    const wireLines: string[] = [];
    const wireFdb: string[] = [];
    for (let i = 0; i < H; i++) {
      const h = hostNs(id, i);
      const hl: string[] = ['link set lo up'];
      const wire = hostWireMode(spec.wireMode, i);
      if (wire !== 'veth') hl.push(`tuntap add dev ${HOST_NIC} mode tap`);
      if (spec.wireMode !== 'direct') {
        if (wire === 'relay') wireLines.push(`tuntap add dev ${wirePort(i)} mode tap`);
        wireLines.push(`link set ${wirePort(i)} mtu ${NIC_MTU} master ${WIRE_BRIDGE} up`);
        wireFdb.push(`fdb replace ${nicMac(slot, i)} dev ${wirePort(i)} master static`);
      }
      hl.push(`link set ${HOST_NIC} address ${nicMac(slot, i)} mtu ${NIC_MTU} up`);
      hl.push(`addr add ${underlayIp(slot, i)}/24 dev ${HOST_NIC}`);
      hl.push(`addr add ${mgmtHostIp(slot, i)}/30 dev ${HOST_MGMT}`);
      hl.push(`link set ${HOST_MGMT} up`);
      hl.push(`link add ${HOST_BRIDGE} type bridge stp_state 0 mcast_snooping 0`);
      hl.push(`link set ${HOST_BRIDGE} mtu ${VM_MTU} up`);
      hl.push(
        `link add ${HOST_VXLAN} type vxlan id ${VXLAN_VNI} local ${underlayIp(slot, i)} dev ${HOST_NIC} dstport ${VXLAN_PORT} nolearning`,
      );
      hl.push(`link set ${HOST_VXLAN} mtu ${VM_MTU} master ${HOST_BRIDGE} up`);
      for (let j = 0; j < M; j++) {
        hl.push(`tuntap add dev ${hostTap(j)} mode tap`);
        hl.push(`link set ${hostTap(j)} mtu ${VM_MTU} master ${HOST_BRIDGE} up`);
      }
      for (let k = 0; k < H; k++) {
        if (k !== i) hl.push(`neigh replace ${underlayIp(slot, k)} lladdr ${nicMac(slot, k)} dev ${HOST_NIC} nud permanent`);
      }
      await ipBatch(h, hl);

      // static forwarding everywhere: no flooding, no learning surprises, 1:1 frames on the path
      const fdb: string[] = [];
      for (let k = 0; k < H; k++) {
        if (k === i) continue;
        fdb.push(`fdb append 00:00:00:00:00:00 dev ${HOST_VXLAN} dst ${underlayIp(slot, k)}`);
        for (let j = 0; j < M; j++) {
          fdb.push(`fdb replace ${vmMac(slot, k, j)} dev ${HOST_VXLAN} dst ${underlayIp(slot, k)}`);
          fdb.push(`fdb replace ${vmMac(slot, k, j)} dev ${HOST_VXLAN} master static`);
        }
      }
      for (let j = 0; j < M; j++) fdb.push(`fdb replace ${vmMac(slot, i, j)} dev ${hostTap(j)} master static`);
      if (fdb.length) await run(['bridge', '-n', h, '-batch', '-'], { input: fdb.join('\n') + '\n' });

      for (let j = 0; j < M; j++) {
        const v = vmNs(id, i, j);
        const vl = [
          'link set lo up',
          `tuntap add dev ${VM_IFACE} mode tap`,
          `link set ${VM_IFACE} address ${vmMac(slot, i, j)} mtu ${VM_MTU} up`,
          `addr add ${vmIp(slot, i, j)}/24 dev ${VM_IFACE}`,
        ];
        for (let k = 0; k < H; k++)
          for (let l = 0; l < M; l++)
            if (k !== i || l !== j)
              vl.push(`neigh replace ${vmIp(slot, k, l)} lladdr ${vmMac(slot, k, l)} dev ${VM_IFACE} nud permanent`);
        await ipBatch(v, vl);
      }
    }
    if (wireLines.length) await ipBatch(W, wireLines);
    if (wireFdb.length) await run(['bridge', '-n', W, '-batch', '-'], { input: wireFdb.join('\n') + '\n' });

    // keep packets 1:1 along the path: no TSO/GSO/GRO on veths (taps have none without IFF_VNET_HDR)
    if (spec.disableOffloads) {
      if (await hasEthtool()) {
        const jobs: Array<Promise<RunResult>> = [];
        const off = ['tso', 'off', 'gso', 'off', 'gro', 'off'];
        for (let i = 0; i < H; i++) {
          const h = hostNs(id, i);
          jobs.push(run(['ethtool', '-K', mgmtRootLink(id, i), ...off], { allowFail: true }));
          jobs.push(run(inNs(h, ['ethtool', '-K', HOST_MGMT, ...off]), { allowFail: true }));
          if (hostWireMode(spec.wireMode, i) === 'veth') {
            jobs.push(run(inNs(h, ['ethtool', '-K', HOST_NIC, ...off]), { allowFail: true }));
            jobs.push(run(inNs(W, ['ethtool', '-K', wirePort(i), ...off]), { allowFail: true }));
          }
        }
        const res = await Promise.all(jobs);
        const bad = res.filter((r) => r.code !== 0).length;
        this.st.offloads = bad ? `ethtool (${bad} of ${res.length} calls failed)` : 'ethtool: tso/gso/gro off on veths';
      } else this.st.offloads = 'unchanged (ethtool not installed)';
    }
    this.save();

    // relays: every VM is one; the wire is one per host in relay mode
    for (let i = 0; i < H; i++) {
      if (hostWireMode(spec.wireMode, i) === 'relay') {
        const k = spec.wireKnobs[i];
        if (!k) throw new LabError(`no wire knobs for host ${i}`);
        // direct: host 0's NIC tap <-> host 1's NIC tap; otherwise NIC tap <-> wire bridge port
        const [bNs, bTap] = spec.wireMode === 'direct' ? [hostNs(id, 1), HOST_NIC] : [W, wirePort(i)];
        await this.launchRelay(wireRelayName(i), 'wire', hostNs(id, i), HOST_NIC, bNs, bTap, k, spec.seed + 10_000 + i, spec.truthLog);
      }
      for (let j = 0; j < M; j++) {
        const k = spec.vmKnobs[i]?.[j];
        if (!k) throw new LabError(`no VM knobs for ${i}/${j}`);
        await this.launchRelay(vmRelayName(i, j), 'vm', hostNs(id, i), hostTap(j), vmNs(id, i, j), VM_IFACE, k, spec.seed + 1 + 100 * i + j, spec.truthLog);
      }
    }
    await this.waitBridgesForwarding([W, ...Array.from({ length: H }, (_, i) => hostNs(id, i))]);
  }

  /**
   * Waits until every port of the bridges in `nss` has carrier and forwards (carrier changes
   * reach the bridge through linkwatch, up to ~1 s after a veth or tap comes up).
   */
  private async waitBridgesForwarding(nss: readonly string[], timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const ns of nss) {
      for (;;) {
        const r = await run(['bridge', '-n', ns, '-j', 'link', 'show']);
        const ports = r.stdout.trim() ? (JSON.parse(r.stdout) as Array<{ ifname: string; flags: string[]; state?: string }>) : [];
        const waiting = ports.filter((p) => p.state !== 'forwarding' || p.flags.includes('NO-CARRIER'));
        if (waiting.length === 0) break;
        if (Date.now() > deadline) {
          throw new LabError(`bridge ports in ${ns} not forwarding after ${timeoutMs} ms: ${waiting.map((p) => `${p.ifname}=${p.state ?? '?'}`).join(', ')}`);
        }
        await sleep(10);
      }
    }
  }

  private async launchRelay(
    name: string,
    kind: 'vm' | 'wire',
    aNs: string,
    aTap: string,
    bNs: string,
    bTap: string,
    knobs: ResolvedRelayKnobs,
    seed: number,
    truth = false,
  ): Promise<RelayRecord> {
    const d = this.dir;
    const rec = await startRelay({
      name,
      kind,
      aNs,
      aTap,
      bNs,
      bTap,
      knobs,
      seed,
      spinUs: this.st.spec.relaySpinUs,
      tag: `${this.prefix}/${name}`,
      statsFile: join(d, `${name}.stats.json`),
      pidFile: join(d, `${name}.pid`),
      logFile: join(d, `${name}.log`),
      ...(truth ? { truthFile: join(d, `${name}.truth.bin`) } : {}),
    });
    this.st.relays[name] = rec;
    this.save();
    return rec;
  }

  // ---------------------------------------------------------------- topology

  hostSpec(i: number): HostInfo {
    const { id, slot, spec } = this.st;
    if (!Number.isInteger(i) || i < 0 || i >= spec.hosts) throw new UsageError('host', `no host ${i} (lab has ${spec.hosts})`);
    const vms: VmInfo[] = [];
    for (let j = 0; j < spec.vmsPerHost; j++) vms.push(this.vm(i, j));
    return {
      index: i,
      ns: hostNs(id, i),
      nic: HOST_NIC,
      bridge: HOST_BRIDGE,
      vxlan: HOST_VXLAN,
      underlayIp: underlayIp(slot, i),
      nicMac: nicMac(slot, i),
      mgmtIface: HOST_MGMT,
      mgmtHostIp: mgmtHostIp(slot, i),
      mgmtRootIp: mgmtRootIp(slot, i),
      mgmtRootLink: mgmtRootLink(id, i),
      clockSkewNs: spec.clockSkewNs[i] ?? 0,
      ...(hostWireMode(spec.wireMode, i) === 'relay' ? { wireRelay: wireRelayName(i) } : {}),
      vms,
    };
  }

  hosts(): HostInfo[] {
    return Array.from({ length: this.st.spec.hosts }, (_, i) => this.hostSpec(i));
  }

  vm(host: number, index: number): VmInfo {
    const { id, slot, spec } = this.st;
    if (!Number.isInteger(host) || host < 0 || host >= spec.hosts) throw new UsageError('host', `no host ${host}`);
    if (!Number.isInteger(index) || index < 0 || index >= spec.vmsPerHost) throw new UsageError('vm', `no VM ${index} on host ${host}`);
    return {
      host,
      index,
      ns: vmNs(id, host, index),
      ip: vmIp(slot, host, index),
      mac: vmMac(slot, host, index),
      iface: VM_IFACE,
      hostTap: hostTap(index),
      relay: vmRelayName(host, index),
    };
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
    const [cmd, ...args] = inNs(ns, argv);
    if (cmd === undefined) throw new LabError('spawnIn: empty argv');
    return spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  }

  /** Every namespace of this lab: wire, hosts, VMs. */
  namespaces(): string[] {
    return [wireNs(this.id), ...this.hosts().flatMap((h) => [h.ns, ...h.vms.map((v) => v.ns)])];
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
  async relayTruthMark(name: string): Promise<number> {
    const file = this.truthFile(name);
    await queryRelayStats(this.relay(name)); // a stats request flushes the log
    return statSync(file).size;
  }

  /** The frames a relay logged from byte `since` of its truth log on (relayTruthMark); flushes the log first. */
  async relayTruth(name: string, since = 0): Promise<TruthRecord[]> {
    const file = this.truthFile(name);
    await queryRelayStats(this.relay(name));
    return parseTruthLog(readFileSync(file).subarray(since - (since % TRUTH_RECORD_SIZE)));
  }

  private truthFile(name: string): string {
    const file = this.relay(name).truthFile;
    if (!file) throw new UsageError('truthLog', `relay ${name} keeps no truth log: start the lab with { truthLog: true } or set it with setRelayKnobs`);
    return file;
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
    const rec = await this.launchRelay(old.name, old.kind, old.aNs, old.aTap, old.bNs, old.bTap, resolved, old.seed, truth);
    await this.waitCarrier(rec);
    await this.waitBridgesForwarding([rec.aNs, rec.bNs]);
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

  /** Waits until both taps of a relay report carrier (the bridge port forwards again). */
  private async waitCarrier(r: RelayRecord): Promise<void> {
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

  // ---------------------------------------------------------------- nftables

  /**
   * Adds an nftables drop rule inside host `host`: `match` is nft rule syntax
   * (e.g. `ip protocol icmp`, `udp dport 5000`). netdev family hooks a device (e.g. `vxlan0`
   * sees decapsulated inner frames, `nic0` sees the VXLAN outer packets); bridge family hooks br0.
   * The rule counts what it drops: read it with dropRuleCount().
   */
  async addDropRule(host: number, rule: DropRuleSpec): Promise<DropRule> {
    const ns = this.hostSpec(host).ns;
    if (/[;{}\n]/.test(rule.match)) throw new UsageError('match', 'one nft match expression, without ; { } or newlines');
    const table = `${this.prefix}_drop${this.st.nextRule++}`;
    let chain: string;
    if (rule.family === 'netdev') {
      if (!/^[A-Za-z0-9_.-]{1,15}$/.test(rule.device)) throw new UsageError('device', `bad device ${rule.device}`);
      chain = `type filter hook ${rule.hook ?? 'ingress'} device "${rule.device}" priority 0; policy accept;`;
    } else if (rule.family === 'bridge') {
      chain = `type filter hook ${rule.hook ?? 'forward'} priority 0; policy accept;`;
    } else throw new UsageError('family', 'netdev or bridge');
    const text = `table ${rule.family} ${table} {\n chain c {\n  ${chain}\n  ${rule.match} counter drop\n }\n}\n`;
    await run(inNs(ns, ['nft', '-f', '-']), { input: text });
    this.st.dropRules.push({
      host,
      family: rule.family,
      table,
      ...(rule.family === 'netdev' ? { device: rule.device } : {}),
      match: rule.match,
    });
    this.save();
    return { host, family: rule.family, table };
  }

  /** Packets the rule has dropped so far. */
  async dropRuleCount(rule: DropRule): Promise<number> {
    const ns = this.hostSpec(rule.host).ns;
    const r = await run(inNs(ns, ['nft', '-j', 'list', 'table', rule.family, rule.table]));
    const doc = JSON.parse(r.stdout) as { nftables: Array<{ rule?: { expr: Array<{ counter?: { packets: number } }> } }> };
    let n = 0;
    for (const item of doc.nftables) for (const e of item.rule?.expr ?? []) n += e.counter?.packets ?? 0;
    return n;
  }

  async removeDropRule(rule: DropRule): Promise<void> {
    const ns = this.hostSpec(rule.host).ns;
    await run(inNs(ns, ['nft', 'delete', 'table', rule.family, rule.table]), { allowFail: true });
    this.st.dropRules = this.st.dropRules.filter((r) => r.table !== rule.table);
    this.save();
  }

  // ---------------------------------------------------------------- status

  async status(): Promise<LabStatus> {
    const fresh = readState(this.st.id);
    if (fresh) this.st = fresh;
    const nsSet = new Set(await listNetns());
    const problems: string[] = [];
    const namespaces = this.namespaces().map((name) => {
      const exists = nsSet.has(name);
      if (!exists) problems.push(`namespace ${name} missing`);
      return { name, exists };
    });
    const relays: RelayStatus[] = Object.values(this.st.relays).map((r) => {
      const alive = isRelayProcess(r.pid, r.tag);
      if (!alive) problems.push(`relay ${r.name} (pid ${r.pid}) not running`);
      return { name: r.name, kind: r.kind, pid: r.pid, alive, a: `${r.aNs}/${r.aTap}`, b: `${r.bNs}/${r.bTap}`, knobs: r.knobs };
    });
    const expected = this.st.spec.hosts * this.st.spec.vmsPerHost + Array.from({ length: this.st.spec.hosts }, (_, i) => hostWireMode(this.st.spec.wireMode, i)).filter((m) => m === 'relay').length;
    if (relays.length < expected) problems.push(`${expected - relays.length} relay(s) never started`);
    if (this.st.phase !== 'up') problems.push('lab is partial (up did not finish)');
    return {
      id: this.id,
      slot: this.slot,
      phase: this.st.phase,
      createdAt: this.st.createdAt,
      wireMode: this.st.spec.wireMode,
      offloads: this.st.offloads,
      stateFile: stateFile(this.id),
      hosts: this.hosts().map((h) => ({ ...h, exists: nsSet.has(h.ns) })),
      namespaces,
      relays,
      dropRules: [...this.st.dropRules],
      problems,
    };
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

/** SIGTERM (then SIGKILL) every process inside namespace `ns`; returns how many there were. */
async function killNsProcesses(ns: string): Promise<number> {
  const list = async (): Promise<number[]> => {
    const r = await run(['ip', 'netns', 'pids', ns], { allowFail: true });
    return r.stdout
      .split(/\s+/)
      .filter((x) => /^\d+$/.test(x))
      .map(Number)
      .filter((p) => p !== process.pid);
  };
  const pids = await list();
  for (const p of pids) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 2000;
  while ((await list()).some(pidAlive)) {
    if (Date.now() > deadline) {
      for (const p of await list()) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      break;
    }
    await sleep(20);
  }
  return pids.length;
}
