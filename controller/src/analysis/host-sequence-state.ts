/**
 * What the matcher knows of one host's current boot: its batch sequence (loss, restart on a
 * new boot id: controller/src/batch-sequence.ts, the same accounting the probe lifecycle
 * keeps per host), the time base its timestamps are taken relative to (the first timestamp
 * of the boot), and its latest wall-clock hint. A reboot restarts CLOCK_MONOTONIC, so the
 * time base and hint are forgotten with the old boot.
 */
import { RecordOffset } from '@xtrace/proto';
import { BatchSequence, type SeqVerdict } from '../batch-sequence.js';

export class HostSequenceState {
  readonly batches = new BatchSequence();
  /** the time base is set (by the boot's first record) */
  hasTimeBase = false;
  /** the time base in 32-bit halves (the hot loop subtracts them) and whole, ns */
  timeBaseHigh = 0;
  timeBaseLow = 0;
  timeBaseNs = 0n;
  /** CLOCK_REALTIME - CLOCK_MONOTONIC of the latest batch that had it, ns; null: none this boot */
  wallClockHintNs: bigint | null = null;

  /**
   * A batch of the host: its sequence verdict ('restart': the host rebooted, its time base is
   * forgotten); lost batches are counted in `batches.lost`.
   */
  accept(bootId: string, seq: number, clockOffsetHintNs: bigint | number | undefined): SeqVerdict {
    const verdict = this.batches.accept(bootId, seq);
    if (verdict === 'restart') {
      this.hasTimeBase = false;
      this.wallClockHintNs = null;
    }
    if (clockOffsetHintNs !== undefined) this.wallClockHintNs = BigInt(clockOffsetHintNs);
    return verdict;
  }

  /** Takes the time base from the first record of `view` unless the boot has one. */
  ensureTimeBase(view: DataView): void {
    if (this.hasTimeBase || view.byteLength === 0) return;
    this.timeBaseLow = view.getUint32(RecordOffset.tsNs, true);
    this.timeBaseHigh = view.getUint32(RecordOffset.tsNs + 4, true);
    this.timeBaseNs = (BigInt(this.timeBaseHigh) << 32n) | BigInt(this.timeBaseLow);
    this.hasTimeBase = true;
  }
}
