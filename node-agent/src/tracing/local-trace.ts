/**
 * `xtrace trace`: the kernel side alone on one host, no NATS: attaches, filters one address
 * pair and writes NDJSON: a `ready` line with the inventory and stage report, one `record`
 * line per record, and a `summary` line with the kernel counters when stopped (SIGINT,
 * SIGTERM, or --duration). Used by operators on a single host and by the kernel-side tests.
 */
import { pino, type Logger } from 'pino';
import { native } from '@xtrace/native';
import { decodeRecords, stageName, type DecodedRecord } from '@xtrace/proto';
import { addressBytes } from './bpf-layouts.js';
import { createTracer } from './tracer.js';
import type { ProbeFilter } from './tracer-api.js';

interface LocalTraceOptions {
  filter: Omit<ProbeFilter, 'slot'>;
  durationMs?: number;
  bpfObjectPath?: string;
  /** the kernel's BTF from this file (--btf) */
  btfPath?: string;
  nics?: string[];
  /**
   * keep the kernel's bpf_stats on while tracing and put each attached program's runs and
   * in-kernel time (ns per run, bpf_stats' own cost included) in the summary
   */
  bpfStats?: boolean;
  write?: (line: string) => void;
}

function recordJson(r: DecodedRecord): Record<string, unknown> {
  return {
    ...r,
    tsNs: r.tsNs.toString(),
    pktId: r.pktId.toString(16).padStart(16, '0'),
    dropLocation: r.dropLocation.toString(16),
    stageName: stageName(r.stage),
  };
}

/** stdout as NDJSON; a reader that went away (| head) ends the output, not the process. */
function writeStdoutLine(line: string): void {
  if (!process.stdout.writable) return;
  process.stdout.write(`${line}\n`);
}

export async function runLocalTrace(options: LocalTraceOptions): Promise<void> {
  const write = options.write ?? writeStdoutLine;
  // validate the filter before touching the kernel
  addressBytes(options.filter.src, '--src');
  addressBytes(options.filter.dst, '--dst');
  // synchronous: a short-lived command's warnings (stale filters removed, a hook that did not
  // detach) must not wait in a buffer when it exits
  const logger = pino({ level: process.env['XTRACE_LOG_LEVEL'] ?? 'warn' }, pino.destination({ dest: 2, sync: true }));
  // SIGINT/SIGTERM handled from before the first hook is attached until the last is detached: a
  // signal while attaching stops right after, and one during the cleanup (a second Ctrl-C, a
  // supervisor's repeated SIGTERM) cannot kill it with clsact filters still attached
  let requestStop = (): void => undefined;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  const onSignal = (): void => requestStop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await traceUntilStopped(options, write, logger, stopRequested);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function traceUntilStopped(options: LocalTraceOptions, write: (line: string) => void, logger: Logger, stopRequested: Promise<void>): Promise<void> {
  const tracer = await createTracer({
    logger,
    ...(options.bpfObjectPath ? { bpfObjectPath: options.bpfObjectPath } : {}),
    ...(options.btfPath !== undefined ? { btfPath: options.btfPath } : {}),
    ...(options.nics ? { nics: options.nics } : {}),
  });
  const stats = options.bpfStats ? native.enableStats() : undefined;
  let records = 0;
  tracer.onBatch((batch) => {
    for (const r of decodeRecords(batch)) {
      records++;
      write(JSON.stringify({ type: 'record', ...recordJson(r) }));
    }
  });
  try {
    tracer.addProbe({ ...options.filter, slot: 0 });
    write(JSON.stringify({ type: 'ready', pid: process.pid, inventory: await tracer.inventory() }));
    await new Promise<void>((resolve) => {
      void stopRequested.then(resolve);
      if (options.durationMs) setTimeout(resolve, options.durationMs).unref();
    });
  } finally {
    const counters = tracer.counters();
    const programs = stats
      ? tracer
          .programStats()
          .filter((p) => p.runCount > 0)
          .map((p) => ({ program: p.name, runs: p.runCount, ns_per_run: Math.round((p.runTimeNs / p.runCount) * 10) / 10 }))
      : undefined;
    stats?.close();
    await tracer.close();
    write(JSON.stringify({ type: 'summary', records, counters, ...(programs ? { programs } : {}) }));
  }
}
