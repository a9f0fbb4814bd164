/**
 * A probe's packet captures (`xtrace pair --pcap`): collected from its hosts' envelopes up to a
 * bound, and at the end written as one pcapng file with one interface per (host, stage) and every
 * timestamp on the source host's time axis: a host's captures have its estimated clock offset
 * from the source host (the final report's `clock` entries, controller/src/analysis/host-pair-clocks.ts)
 * taken out, and the source host's CLOCK_MONOTONIC becomes wall-clock time by its envelopes'
 * clock pair. Each interface's comment says the offset taken out and its uncertainty.
 */
import { CAPTURE_SIZE, decodeCapture, MAX_PROBE_CAPTURES, stageName, type ClockReport, type EnvelopeClock, type PcapFile } from '@xtrace/proto';
import { writePcapng, type PcapInterface, type PcapPacket } from './pcapng-writer.js';

interface HeldCapture {
  host: string;
  tsNs: bigint;
  pktId: bigint;
  stage: number;
  len: number;
  data: Buffer;
}

/** What the source host's clock is to a host's: the offset to take out of its timestamps. */
interface HostOffset {
  offsetNs: bigint;
  /** null: no estimate (the host's own clock is used as it is) */
  estimate: ClockReport | null;
}

function formatUs(ns: number): string {
  return (ns / 1000).toFixed(3);
}

export class ProbeCaptures {
  private readonly held: HeldCapture[] = [];
  /** captures beyond the bound here */
  private droppedHere = 0;
  /** per host: the captures its agent did not send (its envelopes' capturesDropped, cumulative) */
  private readonly droppedByAgents = new Map<string, number>();
  /** each host's envelope clock pair (CLOCK_MONOTONIC and CLOCK_REALTIME at one moment), the first seen */
  private readonly clocks = new Map<string, EnvelopeClock>();

  constructor(
    readonly snaplen: number,
    private readonly max = MAX_PROBE_CAPTURES,
  ) {}

  get size(): number {
    return this.held.length;
  }

  /** captures not in the file: beyond the bound here, or not sent by their agent */
  get dropped(): number {
    let n = this.droppedHere;
    for (const d of this.droppedByAgents.values()) n += d;
    return n;
  }

  /** The captures of one envelope of `host` (packed, proto capture-layout.ts; copied) and its agent's count of those it did not send. */
  add(host: string, clock: EnvelopeClock, captures: Buffer | undefined, agentDropped = 0): void {
    if (!this.clocks.has(host)) this.clocks.set(host, clock);
    this.droppedByAgents.set(host, Math.max(this.droppedByAgents.get(host) ?? 0, agentDropped));
    if (captures === undefined) return;
    for (let off = 0; off + CAPTURE_SIZE <= captures.byteLength; off += CAPTURE_SIZE) {
      if (this.held.length >= this.max) {
        this.droppedHere++;
        continue;
      }
      const c = decodeCapture(captures, off);
      this.held.push({ host, tsNs: c.tsNs, pktId: c.pktId, stage: c.stage, len: c.len, data: Buffer.from(c.data) });
    }
  }

  /**
   * The pcapng file: `hosts` in path order (the source host first), `clock` the final report's
   * offsets between them. Interfaces are ordered by host, then stage id; packets by time.
   */
  build(probe: { probe_id: string; src: string; dst: string; hosts: string[] }, clock: ClockReport[]): PcapFile {
    const source = probe.hosts[0] ?? this.held[0]?.host ?? '';
    const offsets = new Map<string, HostOffset>();
    const offsetOf = (host: string): HostOffset => {
      let o = offsets.get(host);
      if (o === undefined) {
        o = hostOffset(source, host, clock);
        offsets.set(host, o);
      }
      return o;
    };
    const hostRank = (h: string): number => {
      const i = probe.hosts.indexOf(h);
      return i < 0 ? probe.hosts.length : i;
    };
    const keys = [...new Set(this.held.map((c) => `${c.host}\u0000${c.stage}`))]
      .map((k) => {
        const [host, stage] = k.split('\u0000') as [string, string];
        return { key: k, host, stage: Number(stage) };
      })
      .sort((a, b) => hostRank(a.host) - hostRank(b.host) || a.host.localeCompare(b.host) || a.stage - b.stage);
    const interfaceOf = new Map(keys.map((k, i) => [k.key, i]));
    const interfaces: PcapInterface[] = keys.map((k) => {
      const o = offsetOf(k.host);
      return {
        name: `${k.host}.${stageName(k.stage)}`,
        description: `xtrace stage ${stageName(k.stage)} on host ${k.host}`,
        comment: offsetComment(source, k.host, o),
        snaplen: this.snaplen,
      };
    });
    // the source host's CLOCK_MONOTONIC to wall-clock time (any host's pair when it sent none)
    const pair = this.clocks.get(source) ?? this.clocks.values().next().value;
    const toRealNs = pair === undefined ? 0n : pair.realNs - pair.monoNs;
    const packets: PcapPacket[] = this.held.map((c) => ({
      interfaceId: interfaceOf.get(`${c.host}\u0000${c.stage}`)!,
      timestampNs: c.tsNs - offsetOf(c.host).offsetNs + toRealNs,
      originalLength: c.len,
      data: c.data,
      comment: `xtrace packet ${c.pktId.toString(16).padStart(16, '0')} at ${c.host}.${stageName(c.stage)}`,
    }));
    packets.sort((a, b) => (a.timestampNs < b.timestampNs ? -1 : a.timestampNs > b.timestampNs ? 1 : a.interfaceId - b.interfaceId));
    const pcapng = writePcapng({
      application: 'xtrace',
      comment: `xtrace probe ${probe.probe_id}: ${probe.src} <-> ${probe.dst} on ${probe.hosts.join(', ')}; timestamps on ${source}'s clock (each host's estimated offset taken out)${this.dropped > 0 ? `; ${this.dropped} captures not written (past the bound of ${this.max} per probe)` : ''}`,
      interfaces,
      packets,
    });
    return { pcapng, packets: packets.length, dropped: this.dropped };
  }
}

/** The offset of `host`'s clock from `source`'s (clock(host) - clock(source)), from the report's estimates. */
function hostOffset(source: string, host: string, clock: ClockReport[]): HostOffset {
  if (host === source) return { offsetNs: 0n, estimate: null };
  for (const c of clock) {
    if (c.hosts[0] === source && c.hosts[1] === host) return { offsetNs: BigInt(Math.round(c.offset_us * 1000)), estimate: c };
    if (c.hosts[0] === host && c.hosts[1] === source) return { offsetNs: BigInt(Math.round(-c.offset_us * 1000)), estimate: c };
  }
  return { offsetNs: 0n, estimate: null };
}

function offsetComment(source: string, host: string, o: HostOffset): string {
  if (host === source) return `the source host: its own clock, offset 0 (offset_ns=0 uncertainty_ns=0)`;
  if (o.estimate === null) return `no clock offset estimate of ${host} from ${source}: its own clock, not corrected (offset_ns=none)`;
  const off = Number(o.offsetNs);
  const unc = Math.round(o.estimate.uncertainty_us * 1000);
  const how = o.estimate.source === 'pairs' ? `from ${o.estimate.samples} request/reply pairs` : `from the hosts' wall clocks`;
  return (
    `clock offset of ${host} from ${source} (the source host): ${off >= 0 ? '+' : ''}${formatUs(off)} us ± ${formatUs(unc)} us ${how}, ` +
    `taken out of these timestamps (offset_ns=${off} uncertainty_ns=${unc})`
  );
}

