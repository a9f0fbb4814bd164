/**
 * Checks a probe's report against what its agents handed to NATS: every batch an agent
 * published is either received or counted lost (controller/src/batch-sequence.ts), and so is
 * every record: the report's lost_records (counted from where each envelope says its records
 * start) must be known and make up exactly what was sent and never received.
 */
import type { PairReport } from '@xtrace/proto';

export interface SentByHost {
  host: string;
  sent: { batches: number; records: number };
}

export interface AccountingLine {
  host: string;
  sentBatches: number;
  receivedBatches: number;
  lostBatches: number;
  duplicateBatches: number;
  sentRecords: number;
  receivedRecords: number;
  lostRecords: number;
}

/** One line per host, and what does not add up (empty when everything does). */
export function transportAccounting(report: PairReport, agents: SentByHost[]): { lines: AccountingLine[]; mismatches: string[] } {
  const lines: AccountingLine[] = [];
  const mismatches: string[] = [];
  for (const { host, sent } of agents) {
    const h = report.hosts.find((x) => x.host === host);
    if (h === undefined) {
      mismatches.push(`${host}: not in the report (hosts: ${report.hosts.map((x) => x.host).join(', ')})`);
      continue;
    }
    const line: AccountingLine = {
      host,
      sentBatches: sent.batches,
      receivedBatches: Number(h.batches),
      lostBatches: Number(h.lost_batches),
      duplicateBatches: Number(h.duplicate_batches),
      sentRecords: sent.records,
      receivedRecords: Number(h.records),
      lostRecords: Number(h.lost_records),
    };
    lines.push(line);
    if (h.lost_records === null) mismatches.push(`${host}: lost_records unknown (null) though its agent says where each batch's records start`);
    if (line.receivedBatches + line.lostBatches !== line.sentBatches) {
      mismatches.push(`${host}: batches sent ${line.sentBatches} != received ${line.receivedBatches} + counted lost ${line.lostBatches}`);
    }
    if (line.receivedRecords + line.lostRecords !== line.sentRecords) {
      mismatches.push(`${host}: records sent ${line.sentRecords} != received ${line.receivedRecords} + counted lost ${line.lostRecords}`);
    }
  }
  return { lines, mismatches };
}

export function formatAccounting(lines: AccountingLine[]): string {
  return lines
    .map((l) => `${l.host}: batches sent ${l.sentBatches} = received ${l.receivedBatches} + lost ${l.lostBatches} (dup ${l.duplicateBatches}); records sent ${l.sentRecords} = received ${l.receivedRecords} + lost ${l.lostRecords}`)
    .join('\n');
}
