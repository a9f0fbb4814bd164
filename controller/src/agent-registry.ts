/**
 * Registry of agents: fed by announcements and heartbeats; an agent that misses
 * MISSED_HEARTBEATS_DOWN heartbeats is marked down (kept in the list, not forgotten).
 * Both arrive on subjects naming the host (Subjects.agentHeartbeat, Subjects.registryAnnounce),
 * which NATS permissions tie to that host's credentials (proto/src/nats-permissions.ts); a
 * payload naming another host is dropped and counted (spoofedHeartbeats).
 */
import { EventEmitter } from 'node:events';
import type { NatsConnection, Subscription } from 'nats';
import type pino from 'pino';
import { HEARTBEAT_INTERVAL_MS, MISSED_HEARTBEATS_DOWN, Subjects, agentHeartbeatSchema, errorMessage, hostOfSubject, parseOrThrow, type AgentHeartbeat, type AgentInfo, type AgentTracerFault, type AgentVm } from '@xtrace/proto';

export interface AgentRecord {
  host: string;
  bootId: string;
  state: 'up' | 'down';
  lastSeenMs: number;
  firstSeenMs: number;
  status: AgentHeartbeat;
}

interface AgentRegistryOptions {
  nc: NatsConnection;
  logger: pino.Logger;
  /** heartbeats missed before "down" (default 3) */
  missedHeartbeats?: number;
  /** how often to check for silence (default 500 ms) */
  checkMs?: number;
}

/** strips a "/24" suffix so CIDR-style addresses compare as plain IPs */
export function bareAddress(a: string): string {
  const i = a.indexOf('/');
  return (i >= 0 ? a.slice(0, i) : a).toLowerCase();
}

/** the well-formed tracer faults of a heartbeat (the field passes the schema unchecked) */
function tracerFaults(hb: AgentHeartbeat): AgentTracerFault[] {
  const raw: unknown = hb.tracerFaults;
  if (!Array.isArray(raw)) return [];
  return raw.filter((f): f is AgentTracerFault => typeof f === 'object' && f !== null && typeof f.part === 'string' && typeof f.message === 'string' && typeof f.atMs === 'number');
}

/** `fault`: a tracer fault this registry had not seen from that agent (boot) yet */
export class AgentRegistry extends EventEmitter<{ up: [AgentRecord]; down: [AgentRecord]; reboot: [AgentRecord]; fault: [AgentRecord, AgentTracerFault] }> {
  private readonly nc: NatsConnection;
  private readonly log: pino.Logger;
  private readonly missed: number;
  private readonly checkMs: number;
  private lastCheckMs: number | undefined;
  private readonly agents = new Map<string, AgentRecord>();
  /** bare VM address -> hosts whose latest inventory lists it (findByAddress) */
  private readonly hostsByAddress = new Map<string, Set<string>>();
  /** per host: its VM addresses as indexed (a heartbeat with the same ones leaves the index alone) */
  private readonly indexedAddresses = new Map<string, Set<string>>();
  private subs: Subscription[] = [];
  private timer: NodeJS.Timeout | undefined;
  private spoofed = 0;
  /** heartbeats and announcements refused (not JSON, or a bad field: logged with the field) */
  rejected = 0;

  constructor(opts: AgentRegistryOptions) {
    super();
    this.nc = opts.nc;
    this.log = opts.logger.child({ part: 'registry' });
    this.missed = opts.missedHeartbeats ?? MISSED_HEARTBEATS_DOWN;
    this.checkMs = opts.checkMs ?? 500;
  }

  async start(): Promise<void> {
    const handler = (err: Error | null, msg: { json<T>(): T; subject: string }): void => {
      if (err) {
        this.log.error({ err }, 'registry subscription failed');
        return;
      }
      try {
        this.observe(msg.json<unknown>(), hostOfSubject(msg.subject));
      } catch (e: unknown) {
        // thinned like malformed batches (probe-manager.ts): garbage must not flood the log
        const n = ++this.rejected;
        if (n <= 10 || n % 1000 === 0) this.log.warn({ err: e, subject: msg.subject, rejected: n }, `ignoring bad heartbeat: ${errorMessage(e)}`);
      }
    };
    this.subs = [
      this.nc.subscribe(Subjects.agentHeartbeatAll, { callback: handler }),
      this.nc.subscribe(Subjects.registryAnnounceAll, { callback: handler }),
    ];
    // agents already running (e.g. after a controller restart) announce at once
    this.nc.publish(Subjects.registryDiscover, '');
    await this.nc.flush();
    this.timer = setInterval(() => this.check(), this.checkMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.subs) s.unsubscribe();
    this.subs = [];
  }

  /**
   * Takes a received heartbeat; throws a UsageError naming the bad field (agentHeartbeatSchema).
   * `subjectHost`: the host token of the subject it came on; a heartbeat naming another host is
   * dropped (one agent's credentials may publish only its own subjects, so this is a spoof).
   */
  observe(received: unknown, subjectHost?: string): void {
    const hb = parseOrThrow(agentHeartbeatSchema, received, 'heartbeat');
    if (subjectHost !== undefined && hb.host !== subjectHost) {
      this.spoofed++;
      this.log.warn({ subjectHost, claimedHost: hb.host, spoofed: this.spoofed }, 'ignoring a heartbeat whose host differs from its subject');
      return;
    }
    const now = Date.now();
    const prev = this.agents.get(hb.host);
    const rec: AgentRecord = { host: hb.host, bootId: hb.bootId, state: 'up', lastSeenMs: now, firstSeenMs: prev?.firstSeenMs ?? now, status: hb };
    this.agents.set(hb.host, rec);
    this.indexAddresses(hb);
    if (!prev || prev.state === 'down') {
      this.log.info({ host: hb.host, bootId: hb.bootId, vms: hb.inventory.vms.length }, prev ? 'agent back up' : 'agent registered');
      this.emit('up', rec);
    } else if (prev.bootId !== hb.bootId) {
      this.log.warn({ host: hb.host, bootId: hb.bootId, previous: prev.bootId }, 'agent host rebooted');
      this.emit('reboot', rec);
    }
    // a fault is new unless the previous heartbeat of this boot carried it: by identity, not by time,
    // since faults of one check share a millisecond and reach the registry in successive heartbeats
    const faultKey = (f: AgentTracerFault): string => `${f.atMs}\u0000${f.part}\u0000${f.message}`;
    const seen = new Set(prev !== undefined && prev.bootId === hb.bootId ? tracerFaults(prev.status).map(faultKey) : []);
    for (const f of tracerFaults(hb)) {
      if (seen.has(faultKey(f))) continue;
      this.log.warn({ host: hb.host, fault: f }, `agent tracer fault: ${f.part}: ${f.message}`);
      this.emit('fault', rec, f);
    }
  }

  private check(): void {
    const now = Date.now();
    // A check that runs late means this process stalled (GC, a burst of probe starts, a busy
    // machine): the heartbeats that arrived meanwhile are still queued behind this timer, so an
    // agent's silence would be ours. Mark nothing down until a check runs on time (1,000 agents
    // all went "down" at once after a 6.5 s stall of the controller: test/bench/README.md).
    const stalled = this.lastCheckMs !== undefined && now - this.lastCheckMs > 2 * this.checkMs;
    this.lastCheckMs = now;
    if (stalled) return;
    for (const rec of this.agents.values()) {
      const hbMs = rec.status.heartbeatMs > 0 ? rec.status.heartbeatMs : HEARTBEAT_INTERVAL_MS;
      if (rec.state === 'up' && now - rec.lastSeenMs > this.missed * hbMs) {
        rec.state = 'down';
        this.log.warn({ host: rec.host, silentMs: now - rec.lastSeenMs }, 'agent down: missed heartbeats');
        this.emit('down', rec);
      }
    }
  }

  /** heartbeats and announcements dropped because their host differed from their subject's */
  get spoofedHeartbeats(): number {
    return this.spoofed;
  }

  get(host: string): AgentRecord | undefined {
    return this.agents.get(host);
  }

  list(): AgentRecord[] {
    return [...this.agents.values()].sort((a, b) => a.host.localeCompare(b.host));
  }

  /** agents whose inventory lists a VM with this address, most recently seen first (ties: by host name) */
  findByAddress(address: string): AgentRecord[] {
    const hosts = this.hostsByAddress.get(bareAddress(address));
    if (hosts === undefined) return [];
    const found: AgentRecord[] = [];
    for (const h of hosts) found.push(this.agents.get(h)!);
    return found.sort((a, b) => b.lastSeenMs - a.lastSeenMs || a.host.localeCompare(b.host));
  }

  /** Points the address index at hb's VM addresses (a lookup is then one Map get, not a scan of every agent). */
  private indexAddresses(hb: AgentHeartbeat): void {
    const addresses = new Set<string>();
    for (const vm of hb.inventory.vms) for (const a of vm.addresses) addresses.add(bareAddress(a));
    const before = this.indexedAddresses.get(hb.host);
    if (before !== undefined && before.size === addresses.size && [...addresses].every((a) => before.has(a))) return;
    for (const a of before ?? []) {
      const hosts = this.hostsByAddress.get(a);
      hosts?.delete(hb.host);
      if (hosts?.size === 0) this.hostsByAddress.delete(a);
    }
    for (const a of addresses) {
      let hosts = this.hostsByAddress.get(a);
      if (hosts === undefined) this.hostsByAddress.set(a, (hosts = new Set()));
      hosts.add(hb.host);
    }
    this.indexedAddresses.set(hb.host, addresses);
  }

  /** every VM (tap) named `name` on every agent, most recently seen agent first */
  findByName(name: string): { record: AgentRecord; vm: AgentVm }[] {
    return this.list()
      .flatMap((record) => record.status.inventory.vms.filter((vm) => vm.name === name).map((vm) => ({ record, vm })))
      .sort((a, b) => b.record.lastSeenMs - a.record.lastSeenMs);
  }

  /** the name of the VM with `address` on `host` ('' when it has none, or the host does not list it) */
  vmNameOf(host: string, address: string): string {
    const want = bareAddress(address);
    return this.agents.get(host)?.status.inventory.vms.find((vm) => vm.addresses.some((a) => bareAddress(a) === want))?.name ?? '';
  }

  /** "10.0.0.1 (hv-a/vnet0)", or "vm-a 10.0.0.1 (hv-a/vnet0)" for a named VM, for every VM address of every up agent */
  knownVms(): string[] {
    const out: string[] = [];
    for (const r of this.list()) {
      if (r.state !== 'up') continue;
      for (const vm of r.status.inventory.vms) for (const a of vm.addresses) out.push(`${vm.name ? `${vm.name} ` : ''}${bareAddress(a)} (${r.host}/${vm.tap})`);
    }
    return out;
  }

  /** the names of the VMs every up agent knows, sorted, each once */
  knownVmNames(): string[] {
    const names = new Set<string>();
    for (const r of this.list()) if (r.state === 'up') for (const vm of r.status.inventory.vms) if (vm.name) names.add(vm.name);
    return [...names].sort();
  }

  toInfo(r: AgentRecord): AgentInfo {
    const stages = Array.isArray(r.status.inventory.stages) ? (r.status.inventory.stages as { attached?: boolean }[]) : [];
    return {
      host: r.host,
      boot_id: r.bootId,
      state: r.state,
      last_seen_ms: r.lastSeenMs,
      started_at_ms: r.status.startedAtMs,
      version: r.status.version,
      vms: r.status.inventory.vms.map((v) => ({ tap: v.tap, addresses: v.addresses, name: v.name ?? '' })),
      probes: r.status.probes.map((p) => p.probeId),
      stages_attached: stages.filter((s) => s.attached === true).length,
      stages_total: stages.length,
      btf: agentBtf(r.status.inventory.btf),
    };
  }
}

/** "kernel /sys/kernel/btf/vmlinux", "file /x.btf", or "" when the agent did not say (a heartbeat field passed as sent) */
function agentBtf(btf: unknown): string {
  if (typeof btf !== 'object' || btf === null) return '';
  const { from, path } = btf as { from?: unknown; path?: unknown };
  return typeof from === 'string' && typeof path === 'string' ? `${from} ${path}`.slice(0, 4096) : '';
}
