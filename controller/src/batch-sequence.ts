/**
 * Loss and duplicate accounting of one (host, probe) batch stream from its seq numbers
 * (1, 2, 3, ... per agent). A gap counts as lost until the missing batch turns up late;
 * a seq seen before is a duplicate; a new boot id starts a new stream.
 * The one place these rules live: the probe lifecycle (probe-manager.ts) keeps one per host
 * for the report's transport accounting, the matcher (analysis/host-sequence-state.ts) one per
 * host for its lost_batches and reboots, so the two counts agree.
 *
 * Records: an envelope that says where its records start in the stream (`firstRecord`,
 * proto/src/envelope.ts) makes a gap's record count exact: the first record of the batch after
 * the gap minus the record after the last batch before it. A batch arriving late gives its
 * records back. Envelopes of older agents do not say: then the count is unknown (null) while
 * batches are missing.
 */
export type SeqVerdict = 'ok' | 'gap' | 'late' | 'duplicate' | 'restart';

/** where a batch's records sit in its stream */
export interface BatchRecords {
  /** index of its first record: the records the agent published for the probe before it */
  first: number;
  /** records it carries */
  count: number;
}

const MAX_TRACKED_MISSING = 4096;

export class BatchSequence {
  bootId: string | undefined;
  highest = 0;
  received = 0;
  lost = 0;
  duplicates = 0;
  private readonly missing = new Set<number>();
  /** records in the batches counted lost, as far as known */
  private lostRecordCount = 0;
  /** a gap whose record count could not be known */
  private lostRecordsUnknown = false;
  /** the agent never said how many it published (its stop reply did not come): what came after our highest batch is unknown */
  private trailingUnknown = false;
  /** index of the record after the highest batch's; undefined: not known */
  private nextRecord: number | undefined = 0;

  /**
   * Records in the batches counted lost (`lost`): exact when the envelopes say where their
   * records start, null when a batch is missing and they did not.
   */
  get lostRecords(): number | null {
    if (this.trailingUnknown) return null;
    if (this.lost === 0) return 0;
    return this.lostRecordsUnknown ? null : this.lostRecordCount;
  }

  accept(bootId: string, seq: number, records?: BatchRecords): SeqVerdict {
    let verdict: SeqVerdict = 'ok';
    if (this.bootId !== undefined && bootId !== this.bootId) {
      this.highest = 0;
      this.missing.clear();
      this.nextRecord = 0;
      verdict = 'restart';
    }
    this.bootId = bootId;
    if (seq > this.highest) {
      // counted at once, not one by one: a seq far ahead (a garbage envelope) must not loop for ages
      this.lost += seq - this.highest - 1;
      for (let s = this.highest + 1; s < seq && this.missing.size < MAX_TRACKED_MISSING; s++) this.missing.add(s);
      if (seq > this.highest + 1) {
        if (records !== undefined && this.nextRecord !== undefined) this.lostRecordCount += Math.max(0, records.first - this.nextRecord);
        else this.lostRecordsUnknown = true;
        if (verdict === 'ok') verdict = 'gap';
      }
      this.highest = seq;
      this.nextRecord = records === undefined ? undefined : records.first + records.count;
      this.received++;
      return verdict;
    }
    if (this.missing.delete(seq)) {
      this.lost--;
      if (records !== undefined) this.lostRecordCount = Math.max(0, this.lostRecordCount - records.count);
      this.received++;
      return 'late';
    }
    this.duplicates++;
    return 'duplicate';
  }

  /**
   * The agent says it published `lastSeq` batches in all (and `totalRecords` records, if it
   * says): batches after our highest were lost, and the records after the last one we have.
   */
  /** The agent could not say what it published (its stop reply failed): lostRecords is unknown, never a silent 0. */
  unreconciled(): void {
    this.trailingUnknown = true;
  }

  reconcile(lastSeq: number, totalRecords?: number): void {
    if (lastSeq > this.highest) {
      this.lost += lastSeq - this.highest;
      this.highest = lastSeq;
      if (totalRecords !== undefined && this.nextRecord !== undefined) this.lostRecordCount += Math.max(0, totalRecords - this.nextRecord);
      else this.lostRecordsUnknown = true;
      this.nextRecord = totalRecords;
    }
  }
}
