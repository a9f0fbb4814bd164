/**
 * Probe lifecycle: resolve --src/--dst to agents, start the probe on every agent of the
 * path, renew its lease, collect its event batches (loss/duplicate accounting from seq),
 * feed the matcher, emit interval reports and a final summary, stop it everywhere.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { NatsConnection } from 'nats';
import type pino from 'pino';
import {
  DEFAULT_LEASE_MS,
  PAIR_REPORT_SCHEMA,
  RECORD_SIZE,
  UsageError,
  decodeEnvelope,
  errorMessage,
  hostOfSubject,
  isSubjectToken,
  type AgentTracerFault,
  type AnalysisReport,
  type HostAccountingReport,
  type PairReport,
  type PcapFile,
  type ProbeInfo,
  type ProbeState,
  type StartPairProbeRequest,
  type StopProbeResult,
} from '@xtrace/proto';
import { renderPairLine } from '@xtrace/proto/render';
import type { AgentRegistry } from './agent-registry.js';
import { sendAgentCommandRetried } from './agent-client.js';
import { BatchSequence } from './batch-sequence.js';
import { checkStartPairProbeRequest } from './grpc-requests.js';
import { emptyAnalysis, matchedPackets, type AnalyzerFactory, type ProbeAnalyzer } from './probe-analyzer.js';
import { startProbeAnalyzer } from './probe-analyzer-setup.js';
import { ProbeCaptures } from './pcap/probe-captures.js';
import { ProbeFanout } from './probe-fanout.js';
import { probeInfoOf, startCommandOf } from './probe-request.js';
import { ProbeSubscription } from './probe-subscription.js';
import { ProbeTargetResolver } from './probe-target-resolver.js';
import { ProbeTimers } from './probe-timers.js';

type ProbeOrigin = 'adhoc' | 'scheduled';

/**
 * Told about every probe of this manager (the fleet layer: history, alerts, metrics). Called
 * synchronously; an observer must not throw (errors are logged and ignored).
 */
export interface ProbeObserver {
  probeStarted?(p: Probe): void;
  /** every interval report and, once, the final report */
  report?(p: Probe, r: PairReport): void;
  /** per accepted batch: records in it, batches newly found missing on that stream, and the envelope's agent-wide kernel counters */
  batch?(p: Probe, host: string, info: { bootId: string; records: number; lostBatches: number; counters: Record<string, number> }): void;
  /** per dropped batch (malformed, too large, or another host's or probe's); `host` is its subject's host token */
  malformedBatch?(p: Probe, host: string | undefined, reason: string): void;
}

interface StartProbeOptions {
  /** use this id (a NATS subject token) instead of a generated one, e.g. the scheduler's run id */
  probeId?: string;
  origin?: ProbeOrigin;
}

interface ProbeManagerOptions {
  nc: NatsConnection;
  registry: AgentRegistry;
  logger: pino.Logger;
  analyzerFactory: AnalyzerFactory;
  controllerId: string;
  leaseMs?: number;
  renewMs?: number;
  /** a probe nobody watches is stopped after this long (unless keep_on_disconnect) */
  orphanMs?: number;
  /** after stop commands: wait this long for batches still in flight */
  stopGraceMs?: number;
  commandTimeoutMs?: number;
  observer?: ProbeObserver;
}

interface HostStream {
  seq: BatchSequence;
  records: number;
  /** batches dropped unread: not an envelope, a bad field, or the envelope names another host or probe */
  malformed: number;
  firstCounters: Record<string, number> | undefined;
  lastCounters: Record<string, number>;
}

export class Probe extends EventEmitter<{ report: [PairReport]; final: [PairReport] }> {
  state: ProbeState = 'starting';
  watchers = 0;
  reportSeq = 0;
  finalReport: PairReport | undefined;
  lastReport: PairReport | undefined;
  readonly streams = new Map<string, HostStream>();
  /** per host: batches the agent says it published (from its stopProbe reply) */
  readonly agentBatches = new Map<string, { batches: number; records: number | undefined }>();
  readonly timers = new ProbeTimers();
  /** every dropped batch of this probe, from hosts on its path (also in their stream) or not */
  malformedBatches = 0;
  sub: ProbeSubscription | undefined;
  message = '';
  /** failures of its agents' kernel side while it ran ("agent h: ring buffer failed: ...") */
  readonly faults: string[] = [];
  stopping: Promise<PairReport> | undefined;
  /** a probe started with pcap_snaplen: its packet captures while it runs, then its pcapng file (before 'final') */
  captures: ProbeCaptures | undefined;
  pcap: PcapFile | undefined;
  constructor(
    readonly info: ProbeInfo,
    readonly keepOnDisconnect: boolean,
    /** the matcher, until the final report: then ENDED_ANALYZER (a finished probe stays listed a minute, its packet state need not) */
    public analyzer: ProbeAnalyzer,
    readonly origin: ProbeOrigin = 'adhoc',
  ) {
    super();
    this.setMaxListeners(100);
  }

  stream(host: string): HostStream {
    let s = this.streams.get(host);
    if (!s) {
      s = { seq: new BatchSequence(), records: 0, malformed: 0, firstCounters: undefined, lastCounters: {} };
      this.streams.set(host, s);
    }
    return s;
  }
}

/** malformed batches of a probe logged one by one; after that, every MALFORMED_LOG_EVERY-th */
const MALFORMED_LOGGED = 10;
const MALFORMED_LOG_EVERY = 1000;

/** A finished probe's analyzer: its matcher (slot pool, pairing maps: tens of MB when busy) is let go. */
const ENDED_ANALYZER: ProbeAnalyzer = {
  addBatch: () => {},
  intervalReport: () => {
    throw new UsageError('probe_id', 'the probe has ended');
  },
  finalReport: () => {
    throw new UsageError('probe_id', 'the probe has ended');
  },
  render: () => '',
};

function newProbeId(): string {
  return `p${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

export class ProbeManager {
  private readonly nc: NatsConnection;
  private readonly registry: AgentRegistry;
  private readonly log: pino.Logger;
  private readonly analyzerFactory: AnalyzerFactory;
  private readonly controllerId: string;
  private readonly leaseMs: number;
  private readonly renewMs: number;
  private readonly orphanMs: number;
  private readonly stopGraceMs: number;
  private readonly commandTimeoutMs: number;
  private readonly probes = new Map<string, Probe>();
  private readonly targets: ProbeTargetResolver;
  private readonly fanout: ProbeFanout;
  private observer: ProbeObserver | undefined;
  /** batches dropped as malformed, over every probe of this manager */
  malformedBatches = 0;
  private readonly onAgentFault = (rec: { host: string }, f: AgentTracerFault): void => this.agentFault(rec.host, f);

  constructor(opts: ProbeManagerOptions) {
    this.observer = opts.observer;
    this.nc = opts.nc;
    this.registry = opts.registry;
    this.log = opts.logger.child({ part: 'probes' });
    this.analyzerFactory = opts.analyzerFactory;
    this.controllerId = opts.controllerId;
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.renewMs = opts.renewMs ?? 2000;
    this.orphanMs = opts.orphanMs ?? 15_000;
    this.stopGraceMs = opts.stopGraceMs ?? 400;
    this.commandTimeoutMs = opts.commandTimeoutMs ?? 5000;
    this.targets = new ProbeTargetResolver(this.registry);
    this.fanout = new ProbeFanout(this.nc, this.commandTimeoutMs);
    this.registry.on('fault', this.onAgentFault);
  }

  /** An agent's kernel side failed: every probe running on it says so in its reports. */
  private agentFault(host: string, f: AgentTracerFault): void {
    for (const p of this.probes.values()) {
      if ((p.state !== 'running' && p.state !== 'stopping') || !p.info.hosts.includes(host)) continue;
      const note = `agent ${host}: ${f.part} failed: ${f.message}`;
      if (p.faults.includes(note)) continue;
      p.faults.push(note);
      this.log.warn({ probeId: p.info.probe_id, host, fault: f }, 'tracer fault on an agent of the probe: its records may stop');
    }
  }

  /** Set (or clear) the observer; the controller sets it once the fleet layer is up. */
  setObserver(o: ProbeObserver | undefined): void {
    this.observer = o;
  }

  private notify(what: string, f: (o: ProbeObserver) => void): void {
    const o = this.observer;
    if (o === undefined) return;
    try {
      f(o);
    } catch (e: unknown) {
      this.log.error({ err: e }, `probe observer (${what}) threw: ${errorMessage(e)}`);
    }
  }

  get(probeId: string): Probe | undefined {
    return this.probes.get(probeId);
  }

  list(): ProbeInfo[] {
    return [...this.probes.values()].map((p) => ({ ...p.info, state: p.state }));
  }

  /**
   * Checks the request, finds the agents of the path, starts the probe on all of them (or on
   * none), starts its analyzer and clocks. Batches arriving meanwhile wait in its subscription.
   */
  async start(given: StartPairProbeRequest, opts: StartProbeOptions = {}): Promise<Probe> {
    checkStartPairProbeRequest(given);
    if (opts.probeId !== undefined && (!isSubjectToken(opts.probeId) || this.probes.has(opts.probeId))) {
      throw new UsageError('probe_id', `'${opts.probeId}' is not a NATS subject token or is in use`);
    }
    const targets = this.targets.resolve(given.src, given.dst);
    // from here on src/dst are addresses: a VM name resolved, checked again (family, same VM)
    const req = { ...given, src: targets.src, dst: targets.dst };
    if (req.src !== given.src || req.dst !== given.dst) checkStartPairProbeRequest(req);
    const info = probeInfoOf(req, opts.probeId ?? newProbeId(), targets);
    const { probe_id: probeId, hosts } = info;
    const log = this.log.child({ probeId });

    // subscribe before any agent can publish
    const sub = new ProbeSubscription(this.nc, probeId, log);
    let slots: Record<string, number>;
    let analyzer: ProbeAnalyzer;
    try {
      slots = await this.fanout.start(hosts, startCommandOf(req, info, { leaseMs: this.leaseMs, controllerId: this.controllerId }), log);
    } catch (e: unknown) {
      sub.unsubscribe();
      throw e;
    }
    try {
      const spec = { probeId, src: req.src, dst: req.dst, hosts, slots, ...(req.proto ? { proto: req.proto } : {}), ...(req.port ? { port: req.port } : {}) };
      analyzer = await startProbeAnalyzer(this.analyzerFactory, this.registry, spec);
    } catch (e: unknown) {
      await this.fanout.rollback(hosts, probeId);
      sub.unsubscribe();
      throw e;
    }

    const p = new Probe(info, req.keep_on_disconnect ?? false, analyzer, opts.origin ?? 'adhoc');
    p.sub = sub;
    if (req.pcap_snaplen) p.captures = new ProbeCaptures(req.pcap_snaplen);
    p.state = 'running';
    this.probes.set(probeId, p);
    this.notify('probeStarted', (o) => o.probeStarted?.(p));
    sub.deliverTo((subject, data) => this.onBatch(p, subject, data, log));
    p.timers.start(
      { renewMs: this.renewMs, intervalMs: info.interval_ms, durationMs: info.duration_ms, orphanMs: p.keepOnDisconnect ? undefined : this.orphanMs },
      {
        renew: () => void this.renew(p, log),
        report: () => this.emitInterval(p),
        durationReached: () => void this.stop(probeId, 'duration reached'),
        orphanCheck: () => {
          if (p.watchers === 0 && p.state === 'running') void this.stop(probeId, 'nobody watched it');
        },
      },
    );
    log.info({ src: req.src, dst: req.dst, hosts, slots, durationMs: info.duration_ms }, 'probe started');
    return p;
  }

  /**
   * A batch dropped unread: counted on its host's stream when that host is on the path (the
   * report's malformed_batches), on the probe and the manager, and told to the observer. Logged
   * the first MALFORMED_LOGGED times per probe, then every MALFORMED_LOG_EVERY-th: a flood of
   * garbage must not become a flood of log lines.
   */
  private dropMalformed(p: Probe, host: string | undefined, reason: string, log: pino.Logger, details: Record<string, unknown>): void {
    const onPath = host !== undefined && p.info.hosts.includes(host);
    if (onPath) p.stream(host).malformed++;
    const n = ++p.malformedBatches;
    this.malformedBatches++;
    if (n <= MALFORMED_LOGGED || n % MALFORMED_LOG_EVERY === 0) log.warn({ ...details, host, malformedBatches: n }, `dropping batch: ${reason}`);
    this.notify('malformedBatch', (o) => o.malformedBatch?.(p, onPath ? host : undefined, reason));
  }

  private onBatch(p: Probe, subject: string, data: Uint8Array, log: pino.Logger): void {
    const host = hostOfSubject(subject);
    let env;
    try {
      env = decodeEnvelope(data);
    } catch (e: unknown) {
      this.dropMalformed(p, host, errorMessage(e), log, { err: e, subject, bytes: data.byteLength });
      return;
    }
    if (host === undefined || host !== env.host || env.probe !== p.info.probe_id) {
      this.dropMalformed(p, host, 'batch subject and envelope disagree', log, { subject, envelopeHost: env.host, envelopeProbe: env.probe });
      return;
    }
    if (!p.info.hosts.includes(host)) {
      this.dropMalformed(p, host, 'batch from a host not on the path', log, { subject });
      return;
    }
    const s = p.stream(host);
    const lostBefore = s.seq.lost;
    const count = env.records.byteLength / RECORD_SIZE;
    const verdict = s.seq.accept(env.bootId, env.seq, env.firstRecord === undefined ? undefined : { first: env.firstRecord, count });
    if (verdict === 'duplicate') {
      log.debug({ host, seq: env.seq }, 'duplicate batch ignored');
      return;
    }
    // (the matcher counts seq gaps itself; it is told only about losses it cannot see)
    if (s.seq.lost > lostBefore) log.warn({ host, seq: env.seq, lost: s.seq.lost - lostBefore, lostRecords: s.seq.lostRecords }, 'batches lost (seq gap)');
    s.records += count;
    s.firstCounters ??= env.counters;
    s.lastCounters = env.counters;
    if (env.captures !== undefined || env.capturesDropped !== undefined) p.captures?.add(host, env.clock, env.captures, env.capturesDropped);
    const info = { bootId: env.bootId, records: env.records.byteLength / RECORD_SIZE, lostBatches: s.seq.lost - lostBefore, counters: env.counters };
    this.notify('batch', (o) => o.batch?.(p, host, info));
    try {
      p.analyzer.addBatch({ hostId: host, bootId: env.bootId, seq: env.seq, records: env.records, clock: env.clock, counters: env.counters });
    } catch (e: unknown) {
      log.error({ err: e, host, seq: env.seq }, 'matcher rejected a batch');
    }
  }

  private async renew(p: Probe, log: pino.Logger): Promise<void> {
    if (p.state !== 'running') return;
    await this.fanout.renew(p.info.hosts, p.info.probe_id, this.leaseMs, log, (h) => {
      if (p.state !== 'running') return;
      p.message = `agent ${h} no longer runs the probe (restarted or lease expired)`;
      log.warn({ host: h }, p.message);
    });
  }

  private hostAccounting(p: Probe): HostAccountingReport[] {
    return p.info.hosts.map((h) => {
      const s = p.streams.get(h);
      const kernel: Record<string, number> = {};
      if (s?.firstCounters) {
        for (const [k, v] of Object.entries(s.lastCounters)) kernel[k] = v - (s.firstCounters[k] ?? 0);
      }
      return {
        host: h,
        boot_id: s?.seq.bootId ?? '',
        batches: s?.seq.received ?? 0,
        records: s?.records ?? 0,
        lost_batches: s?.seq.lost ?? 0,
        lost_records: s === undefined ? 0 : s.seq.lostRecords,
        duplicate_batches: s?.seq.duplicates ?? 0,
        malformed_batches: s?.malformed ?? 0,
        kernel_counters: kernel,
      };
    });
  }

  /** `a` undefined: the analyzer failed, the report's analysis part is empty */
  private buildReport(p: Probe, a: AnalysisReport | undefined, final: boolean): PairReport {
    const now = Date.now();
    // the matcher knows hosts, not VMs: each breakdown is of the probe's source or destination VM
    const named = a === undefined ? undefined : { ...a, vm_breakdown: a.vm_breakdown.map((b) => ({ ...b, vm: b.role === 'destination' ? p.info.dst_vm : p.info.src_vm })) };
    const analysis = named ?? emptyAnalysis();
    const noTraffic = matchedPackets(analysis) === 0;
    let table = '';
    try {
      if (named !== undefined) table = p.analyzer.render(named, final);
      // the VMs' names head the table when an agent knows one (the addresses alone say it otherwise)
      if (table !== '' && (p.info.src_vm !== '' || p.info.dst_vm !== '')) table = `${renderPairLine(p.info)}\n${table}`;
    } catch (e: unknown) {
      table = `(rendering failed: ${errorMessage(e)})`;
    }
    // the CLI prints the table alone when there is one: a broken agent must show there too
    if (table !== '' && p.faults.length > 0) table += `\n${p.faults.map((f) => `fault: ${f}`).join('\n')}`;
    return {
      schema: PAIR_REPORT_SCHEMA,
      probe_id: p.info.probe_id,
      src: p.info.src,
      dst: p.info.dst,
      src_vm: p.info.src_vm,
      dst_vm: p.info.dst_vm,
      proto: p.info.proto,
      seq: ++p.reportSeq,
      final,
      state: final ? p.state : 'running',
      started_at_ms: p.info.started_at_ms,
      elapsed_ms: now - p.info.started_at_ms,
      no_traffic: noTraffic,
      message: [p.message, ...p.faults].filter((m) => m !== '').join('; '),
      table,
      ...analysis,
      hosts: this.hostAccounting(p),
    };
  }

  private emitInterval(p: Probe): void {
    if (p.state !== 'running') return;
    let a: AnalysisReport;
    try {
      a = p.analyzer.intervalReport(Date.now());
    } catch (e: unknown) {
      this.log.error({ err: e, probeId: p.info.probe_id }, 'interval report failed');
      return;
    }
    const r = this.buildReport(p, a, false);
    p.lastReport = r;
    this.notify('report', (o) => o.report?.(p, r));
    p.emit('report', r);
  }

  /** Stops the probe on its agents and returns the final summary. Idempotent. */
  stop(probeId: string, why: string): Promise<PairReport> {
    const p = this.probes.get(probeId);
    if (!p) return Promise.reject(new UsageError('probe_id', `no probe '${probeId}'`));
    p.stopping ??= this.doStop(p, why);
    return p.stopping;
  }

  private async doStop(p: Probe, why: string): Promise<PairReport> {
    const log = this.log.child({ probeId: p.info.probe_id });
    p.state = 'stopping';
    p.timers.clear();
    const failures: string[] = [];
    await Promise.all(
      p.info.hosts.map(async (h) => {
        try {
          // tried again while unanswered (a NATS node died): the counts are what makes trailing loss known
          const r = await sendAgentCommandRetried<StopProbeResult>(this.nc, h, { op: 'stopProbe', probeId: p.info.probe_id }, this.commandTimeoutMs);
          // batches the agent published that we have not seen yet: wait a little, then count them lost
          if (r.stopped) p.agentBatches.set(h, { batches: r.batches, records: typeof r.records === 'number' ? r.records : undefined });
        } catch (e: unknown) {
          failures.push(h);
          // what it published after our last batch is unknown: its lost_records says so (null)
          p.stream(h).seq.unreconciled();
          log.warn({ err: e, host: h }, 'stop command failed (the agent will stop it when the lease runs out)');
        }
      }),
    );
    await new Promise((r) => setTimeout(r, this.stopGraceMs));
    p.sub?.unsubscribe();
    for (const [h, n] of p.agentBatches) {
      const s = p.stream(h);
      const before = s.seq.lost;
      s.seq.reconcile(n.batches, n.records);
      if (s.seq.lost > before) {
        p.analyzer.addLostBatches?.(h, s.seq.lost - before);
        const info = { bootId: s.seq.bootId ?? '', records: 0, lostBatches: s.seq.lost - before, counters: {} };
        this.notify('batch', (o) => o.batch?.(p, h, info));
      }
    }
    let a: AnalysisReport | undefined;
    try {
      a = p.analyzer.finalReport(Date.now());
    } catch (e: unknown) {
      log.error({ err: e }, 'final report failed');
    }
    p.state = failures.length > 0 && failures.length === p.info.hosts.length ? 'failed' : 'done';
    const notes = [why];
    if (failures.length > 0) notes.push(`stop failed on ${failures.join(', ')}`);
    if (p.message) notes.push(p.message);
    p.message = notes.join('; ');
    const r = this.buildReport(p, a, true);
    if (p.captures !== undefined) {
      try {
        p.pcap = p.captures.build(p.info, r.clock);
      } catch (e: unknown) {
        log.error({ err: e }, 'writing the probe\'s pcapng failed');
      }
      p.captures = undefined;
    }
    p.finalReport = r;
    p.analyzer = ENDED_ANALYZER;
    this.notify('report', (o) => o.report?.(p, r));
    p.emit('final', r);
    log.info({ why, state: p.state, noTraffic: r.no_traffic }, 'probe ended');
    // keep finished probes listed for a while
    setTimeout(() => this.probes.delete(p.info.probe_id), 60_000).unref();
    return r;
  }

  /** Controller shutdown: stop every running probe on its agents. */
  async shutdown(): Promise<void> {
    this.registry.off('fault', this.onAgentFault);
    await Promise.allSettled([...this.probes.values()].filter((p) => p.state === 'running' || p.state === 'stopping').map((p) => this.stop(p.info.probe_id, 'controller shutdown')));
  }

  /** Crash simulation for tests: forget every probe without telling the agents (their leases run out). */
  abandon(): void {
    this.registry.off('fault', this.onAgentFault);
    for (const p of this.probes.values()) {
      p.timers.clear();
      p.sub?.unsubscribe();
      p.state = 'failed';
    }
    this.probes.clear();
  }
}
