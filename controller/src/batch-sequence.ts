/**
 * Loss and duplicate accounting of one (host, probe) batch stream from its seq numbers
 * (1, 2, 3, ... per agent). A gap counts as lost until the missing batch turns up late;
 * a seq seen before is a duplicate; a new boot id starts a new stream.
 * The one place these rules live: the probe lifecycle (probe-manager.ts) keeps one per host
 * for the report's transport accounting, the matcher (analysis/host-sequence-state.ts) one per
 * host for its lost_batches and reboots, so the two counts agree.
 */
export type SeqVerdict = 'ok' | 'gap' | 'late' | 'duplicate' | 'restart';

const MAX_TRACKED_MISSING = 4096;

export class BatchSequence {
  bootId: string | undefined;
  highest = 0;
  received = 0;
  lost = 0;
  duplicates = 0;
  private readonly missing = new Set<number>();

  accept(bootId: string, seq: number): SeqVerdict {
    let verdict: SeqVerdict = 'ok';
    if (this.bootId !== undefined && bootId !== this.bootId) {
      this.highest = 0;
      this.missing.clear();
      verdict = 'restart';
    }
    this.bootId = bootId;
    if (seq > this.highest) {
      // counted at once, not one by one: a seq far ahead (a garbage envelope) must not loop for ages
      this.lost += seq - this.highest - 1;
      for (let s = this.highest + 1; s < seq && this.missing.size < MAX_TRACKED_MISSING; s++) this.missing.add(s);
      if (seq > this.highest + 1 && verdict === 'ok') verdict = 'gap';
      this.highest = seq;
      this.received++;
      return verdict;
    }
    if (this.missing.delete(seq)) {
      this.lost--;
      this.received++;
      return 'late';
    }
    this.duplicates++;
    return 'duplicate';
  }

  /** the agent says it published `lastSeq` batches in all: batches after our highest were lost */
  reconcile(lastSeq: number): void {
    if (lastSeq > this.highest) {
      this.lost += lastSeq - this.highest;
      this.highest = lastSeq;
    }
  }
}
