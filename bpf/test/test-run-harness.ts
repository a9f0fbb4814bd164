/**
 * Runs the real xtrace object's tc program on crafted frames with BPF_PROG_TEST_RUN and
 * collects the records it emits: the packet parser and identity, tested in the kernel.
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { CAPTURE_SIZE, decodeCapture, decodeRecords, type DecodedCapture, type DecodedRecord } from '@xtrace/proto';
import { BPF_TCX_INGRESS, native, type BpfObject, type RingBuffer, type RingBufferStats } from '@xtrace/native';
import {
  BATCH_STAGING,
  BATCH_VALUE_SIZE,
  configValue,
  DEFAULT_BPF_OBJECT,
  probeKey,
  probeValue,
  addressBytes,
  stageKey,
  stageValue,
  ZERO_KEY,
  IPPROTO,
  readKernelCounters,
  devStageValue,
  u32Key,
  type Counters,
} from '@xtrace/node-agent/tracing';

export class TestRunHarness {
  private readonly records: DecodedRecord[] = [];
  /** what xt_captures delivered (probes watched with a snaplen), in arrival order */
  readonly captures: DecodedCapture[] = [];
  private ring: RingBuffer | undefined;
  private captureRing: RingBuffer | undefined;
  readonly netns = statSync('/proc/self/ns/net').ino;

  private constructor(
    readonly object: BpfObject,
    private readonly batch: boolean,
  ) {}

  /**
   * batch (default true, as the agent runs): records wait in per-CPU batches the drain thread
   * flushes; flushMs (default 5): how often it flushes them and hands partial batches to JS.
   */
  static open(opts: { batch?: boolean; flushMs?: number; objectPath?: string } = {}): TestRunHarness {
    const batch = opts.batch ?? true;
    const object = native.openObject(opts.objectPath ?? DEFAULT_BPF_OBJECT);
    for (const p of object.programs()) object.setAutoload(p.name, p.name === 'xt_tc_ingress' || p.name === BATCH_STAGING.program);
    object.setExpectedAttachType('xt_tc_ingress', BPF_TCX_INGRESS);
    object.load();
    const harness = new TestRunHarness(object, batch);
    // BPF_PROG_TEST_RUN gives the skb the loopback device: make lo ingress a stage (nic_rx: no VM-address learning in the way).
    object.mapUpdate('xt_stages', stageKey(harness.netns, 1, 'ingress'), stageValue('nic_rx', 'tc'));
    object.mapUpdate('xt_dev_stages', u32Key(1), devStageValue(null, 'ingress', 'nic_rx', 'tc'));
    harness.ring = object.openRingBuffer(
      'xt_events',
      { recordSize: 64, batchRecords: 1024, flushMs: opts.flushMs ?? 5, maxPendingBatches: 16, ...(batch ? { staging: BATCH_STAGING } : {}) },
      (batch) => harness.records.push(...decodeRecords(batch)),
    );
    harness.captureRing = object.openRingBuffer('xt_captures', { recordSize: CAPTURE_SIZE, batchRecords: 64, flushMs: opts.flushMs ?? 5, maxPendingBatches: 16 }, (batch) => {
      for (let off = 0; off + CAPTURE_SIZE <= batch.byteLength; off += CAPTURE_SIZE) {
        const c = decodeCapture(batch, off);
        harness.captures.push({ ...c, data: Buffer.from(c.data) });
      }
    });
    return harness;
  }

  /** Selects packets between a and b (both directions) as probe slot `slot`. */
  watch(a: string, b: string, opts: { slot?: number; proto?: keyof typeof IPPROTO; sampleN?: number; sampleK?: number; snaplen?: number } = {}): void {
    const src = addressBytes(a);
    const key = probeKey(src, addressBytes(b));
    this.object.mapUpdate(
      'xt_probes',
      key,
      probeValue(key, [
        {
          slot: opts.slot ?? 0,
          src,
          proto: opts.proto ? IPPROTO[opts.proto] : 0,
          port: 0,
          sampleN: opts.sampleN ?? 0,
          sampleK: opts.sampleK ?? 0,
          snaplen: opts.snaplen ?? 0,
        },
      ]),
    );
    this.object.mapUpdate('xt_config_map', ZERO_KEY, configValue(1, this.netns, { batch: this.batch }));
  }

  run(frame: Buffer, repeat = 1): { retval: number; durationNs: number } {
    return this.object.testRun('xt_tc_ingress', frame, repeat);
  }

  /** Runs each frame once and returns the record each produced (undefined: none). */
  async recordsFor(frames: Buffer[]): Promise<(DecodedRecord | undefined)[]> {
    const out: (DecodedRecord | undefined)[] = [];
    for (const f of frames) {
      const before = this.records.length;
      this.run(f);
      const deadline = Date.now() + 500;
      while (this.records.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      out.push(this.records[before]);
    }
    this.records.length = 0;
    return out;
  }

  /** Waits until no record has arrived for quietMs, then hands over (and forgets) all records. */
  async drain(quietMs = 100): Promise<DecodedRecord[]> {
    let seen = -1;
    while (seen !== this.records.length) {
      seen = this.records.length;
      await new Promise((r) => setTimeout(r, quietMs));
    }
    return this.records.splice(0);
  }

  /** Per CPU: xt_batch's count of waiting records and its busy flag. */
  batches(): { waiting: number; busy: number }[] {
    const v = this.object.mapLookup('xt_batch', ZERO_KEY)!;
    const out: { waiting: number; busy: number }[] = [];
    for (let off = 0; off + BATCH_VALUE_SIZE <= v.length; off += BATCH_VALUE_SIZE) out.push({ waiting: v.readUInt32LE(off), busy: v.readUInt32LE(off + 4) });
    return out;
  }

  /** Overwrites every CPU's xt_batch header (the records stay as they are: zero). */
  setBatches(waiting: number, busy: number): void {
    const cpus = native.numPossibleCpus();
    const v = Buffer.alloc(cpus * BATCH_VALUE_SIZE);
    for (let cpu = 0; cpu < cpus; cpu++) {
      v.writeUInt32LE(waiting, cpu * BATCH_VALUE_SIZE);
      v.writeUInt32LE(busy, cpu * BATCH_VALUE_SIZE + 4);
    }
    this.object.mapUpdate('xt_batch', ZERO_KEY, v);
  }

  ringStats(): RingBufferStats {
    return this.ring!.stats();
  }

  counters(): Counters {
    return readKernelCounters(this.object);
  }

  /** Stops the drain thread: it flushes every CPU's batch and drains the ring one last time. */
  /** Asks the drain threads to send on what waits now (RingBuffer.drain) and hands over (and forgets) what arrived. */
  async drainNow(): Promise<DecodedRecord[]> {
    await this.ring?.drain();
    await this.captureRing?.drain();
    return this.records.splice(0);
  }

  async stopRing(): Promise<void> {
    await this.ring?.close();
    await this.captureRing?.close();
  }

  async close(): Promise<void> {
    await this.ring?.close();
    this.object.close();
  }
}

/**
 * Runs fn with every thread of this process on one CPU, then restores the affinity: per-CPU
 * state in BPF (the pair cache) is then the same state on every test run fn makes.
 */
export async function onOneCpu<T>(fn: () => Promise<T>): Promise<T> {
  const mask = /affinity mask: ([0-9a-f]+)/.exec(execFileSync('taskset', ['-p', String(process.pid)], { encoding: 'utf8' }))?.[1];
  if (!mask) throw new Error('taskset printed no affinity mask');
  const lowest = BigInt(`0x${mask}`) & -BigInt(`0x${mask}`);
  execFileSync('taskset', ['-a', '-p', lowest.toString(16), String(process.pid)], { stdio: 'ignore' });
  try {
    return await fn();
  } finally {
    execFileSync('taskset', ['-a', '-p', mask, String(process.pid)], { stdio: 'ignore' });
  }
}

/** Tests that need root and BPF: run in CI always, skip elsewhere without privileges. */
export function bpfUnavailableReason(): string | undefined {
  if (process.getuid?.() === 0) return undefined;
  const reason = 'needs root (CAP_BPF, CAP_NET_ADMIN) to load BPF';
  if (process.env['CI'] === 'true') throw new Error(`${reason}: CI must run BPF tests`);
  return reason;
}
