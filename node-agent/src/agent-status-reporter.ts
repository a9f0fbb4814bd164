/**
 * What the agent tells the registry (proto agent-status.ts): the tracer's inventory, refreshed
 * before every heartbeat, its running probes and kernel counters, published on a subject.
 */
import type { NatsConnection } from 'nats';
import type pino from 'pino';
import { errorMessage, type AgentHeartbeat, type AgentProbeStatus, type AgentTracerFault } from '@xtrace/proto';
import type { Inventory, Tracer } from './tracing/tracer-api.js';
import type { ActiveProbe } from './active-probes.js';

const AGENT_VERSION = '0.1.0';

/** tracer faults a heartbeat carries (the newest) */
export const MAX_REPORTED_FAULTS = 8;

export interface StatusReporterOptions {
  nc: NatsConnection;
  tracer: Tracer;
  hostId: string;
  bootId: string;
  startedAtMs: number;
  heartbeatMs: number;
  /** the kernel's drop-reason names, when its BTF had them */
  dropReasons: [number, string][] | null;
  log: pino.Logger;
  /** the running probes, by id */
  probes: () => [string, ActiveProbe][];
  counters: () => Record<string, number>;
}

export class StatusReporter {
  private hbSeq = 0;
  private inventoryNow: Inventory = { netns: 0, interfaces: [], vms: [], stages: [] };
  private inventoryError: string | undefined;
  private readonly faults: AgentTracerFault[] = [];

  constructor(private readonly o: StatusReporterOptions) {}

  /** the last inventory the tracer reported */
  get inventory(): Inventory {
    return this.inventoryNow;
  }

  async refreshInventory(): Promise<void> {
    try {
      this.inventoryNow = await this.o.tracer.inventory();
      this.inventoryError = undefined;
    } catch (e: unknown) {
      this.inventoryError = errorMessage(e);
      this.o.log.warn({ err: e }, 'inventory failed');
    }
  }

  /** A failure of the kernel side: every later heartbeat carries it (the newest MAX_REPORTED_FAULTS). */
  addFault(fault: AgentTracerFault): void {
    this.faults.push({ ...fault });
    if (this.faults.length > MAX_REPORTED_FAULTS) this.faults.shift();
  }

  /** The next heartbeat (each call takes a sequence number). */
  status(): AgentHeartbeat {
    const now = Date.now();
    const inv = this.inventoryNow;
    const hb: AgentHeartbeat = {
      v: 1,
      host: this.o.hostId,
      bootId: this.o.bootId,
      seq: ++this.hbSeq,
      sentAtMs: now,
      startedAtMs: this.o.startedAtMs,
      version: AGENT_VERSION,
      heartbeatMs: this.o.heartbeatMs,
      inventory: {
        netns: inv.netns,
        interfaces: inv.interfaces,
        vms: inv.vms.map((v) => ({ tap: v.tap, ifindex: v.ifindex, addresses: v.addresses, ...(v.name !== undefined ? { name: v.name } : {}), ...(v.nameSource !== undefined ? { nameSource: v.nameSource } : {}) })),
        stages: inv.stages,
        ...(inv.btf ? { btf: { ...inv.btf } } : {}),
      },
      probes: this.o.probes().map(([probeId, p]): AgentProbeStatus => {
        const s: AgentProbeStatus = {
          probeId,
          slot: p.slot,
          src: p.cmd.src,
          dst: p.cmd.dst,
          startedAtMs: p.startedAtMs,
          batches: p.outbox.seq,
          records: p.outbox.records,
          leaseLeftMs: p.lease.leftMs(now),
        };
        if (p.cmd.proto !== undefined) s.proto = p.cmd.proto;
        if (p.cmd.port !== undefined) s.port = p.cmd.port;
        return s;
      }),
      counters: this.o.counters(),
    };
    if (this.o.dropReasons) hb.dropReasons = this.o.dropReasons;
    if (this.inventoryError !== undefined) hb.inventoryError = this.inventoryError;
    if (this.faults.length > 0) hb.tracerFaults = this.faults.map((f) => ({ ...f }));
    return hb;
  }

  /** Publishes the status on `subject`; a closed connection or a failed publish is not an error. */
  publish(subject: string): void {
    if (this.o.nc.isClosed()) return;
    try {
      this.o.nc.publish(subject, JSON.stringify(this.status()));
    } catch (e: unknown) {
      this.o.log.warn({ err: e, subject }, 'status publish failed');
    }
  }
}
