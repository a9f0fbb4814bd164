/**
 * A JetStream KV bucket of named JSON records validated on the way in and out (schedules,
 * alert rules): create fails on a taken name, reads skip deleted keys, list is sorted.
 */
import type { KV, KvEntry, NatsConnection, QueuedIterator } from 'nats';
import { watchBucket } from './jetstream-watch.js';
import { UsageError, XtraceError, clipForMessage } from '@xtrace/proto';
import { decodeJson, encodeJson, isCasConflict } from './kv-buckets.js';
import { validateName } from './schedule.js';
import { StreamScan } from './stream-scan.js';

/** told about a stored entry list() skipped: its key and why */
export type SkipHandler = (key: string, error: XtraceError) => void;

export interface RecordKind<T extends { name: string }> {
  /** with its article, for messages: "a schedule", "an alert rule" */
  label: string;
  /** the field prefix of validation errors: schedule[name] */
  field: string;
  validate(raw: unknown, field: string): T;
}

/** A stored value back to a validated record (also for watchers of the bucket); it must carry its key as its name. */
export function decodeNamedRecord<T extends { name: string }>(kind: RecordKind<T>, value: Uint8Array, key: string): T {
  let raw: unknown;
  try {
    raw = decodeJson(value);
  } catch (e: unknown) {
    throw new XtraceError('internal', `${kind.label.replace(/^an? /, '')} ${key}: stored value is not JSON`, { cause: e });
  }
  const record = kind.validate(raw, `${kind.field}[${key}]`);
  // a record copied under another key would be listed twice, and removed or paused by the wrong name
  if (record.name !== key) throw new UsageError(`${kind.field}[${key}].name`, `'${clipForMessage(record.name)}' is not its key`);
  return record;
}

export class NamedRecordBucket<T extends { name: string }> {
  private constructor(
    private readonly nc: NatsConnection,
    readonly kv: KV,
    private readonly bucket: string,
    private readonly kind: RecordKind<T>,
    private readonly scan: StreamScan,
  ) {}

  /** `kv` is the open bucket named `bucket` (its stream is KV_<bucket>). */
  static async open<T extends { name: string }>(nc: NatsConnection, kv: KV, bucket: string, kind: RecordKind<T>): Promise<NamedRecordBucket<T>> {
    return new NamedRecordBucket(nc, kv, bucket, kind, await StreamScan.open(nc, `KV_${bucket}`));
  }

  /** Every entry, then every change (jetstream-watch.ts: also with a cluster node down). */
  watch(): Promise<QueuedIterator<KvEntry>> {
    return watchBucket(this.nc, this.bucket);
  }

  /** Stores a new record; a taken name is a UsageError on `name`. */
  async create(name: string, record: unknown): Promise<void> {
    try {
      await this.kv.create(name, encodeJson(record));
    } catch (e: unknown) {
      if (isCasConflict(e)) throw new UsageError('name', `${this.kind.label} named "${name}" already exists`, { cause: e });
      throw e;
    }
  }

  /** The record and its revision, or undefined when there is none. */
  async entry(name: string): Promise<{ value: T; revision: number } | undefined> {
    validateName(name, 'name');
    const e = await this.kv.get(name);
    if (e === null || e.operation !== 'PUT') return undefined;
    return { value: decodeNamedRecord(this.kind, e.value, name), revision: e.revision };
  }

  async get(name: string): Promise<T | undefined> {
    return (await this.entry(name))?.value;
  }

  /**
   * Every valid record, by name. A stored value that is not one (garbage written past the
   * controller, a bad key) is skipped and handed to `onSkip`, so one bad entry cannot hide the rest.
   */
  async list(onSkip?: SkipHandler): Promise<T[]> {
    // the keys from the bucket's stream (stream-scan.ts), not kv.keys(): its consumer may be
    // placed on a dead node of the cluster, and the list then fails with a timeout
    const prefix = `$KV.${this.bucket}.`;
    const { first, last, replicasCurrent } = await this.scan.state();
    const names = new Set<string>();
    for await (const m of this.scan.messages(`${prefix}>`, first, last, replicasCurrent)) names.add(m.subject.slice(prefix.length));
    const out: T[] = [];
    for (const n of [...names].sort()) {
      let r: T | undefined;
      try {
        r = await this.get(n);
      } catch (e: unknown) {
        if (!(e instanceof XtraceError)) throw e; // NATS itself failed: the caller's error
        onSkip?.(n, e);
        continue;
      }
      if (r !== undefined) out.push(r);
    }
    return out;
  }

  /** Returns false when there was no such record. */
  async remove(name: string): Promise<boolean> {
    validateName(name, 'name');
    const e = await this.kv.get(name);
    if (e === null || e.operation !== 'PUT') return false;
    await this.kv.delete(name);
    return true;
  }
}
