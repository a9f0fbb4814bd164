/** Scheduled probes in JetStream KV `xtrace_schedules`, one key per schedule name. */
import type { NatsConnection } from 'nats';
import { SCHEDULES_BUCKET, UsageError, XtraceError } from '@xtrace/proto';
import { encodeJson, isCasConflict, openSchedulesKv } from './kv-buckets.js';
import { decodeNamedRecord, NamedRecordBucket, type RecordKind, type SkipHandler } from './named-record-bucket.js';
import { scheduleRecord, validateSchedule, type ParsedSchedule, type Schedule } from './schedule.js';

const SCHEDULES: RecordKind<ParsedSchedule> = { label: 'a schedule', field: 'schedule', validate: validateSchedule };

export class ScheduleStore {
  private constructor(private readonly bucket: NamedRecordBucket<ParsedSchedule>) {}

  static async open(nc: NatsConnection): Promise<ScheduleStore> {
    return new ScheduleStore(await NamedRecordBucket.open(nc, await openSchedulesKv(nc), SCHEDULES_BUCKET, SCHEDULES));
  }

  /** Add a new schedule; fails if the name is taken. */
  async add(s: Omit<Schedule, 'createdAt' | 'paused'> & { createdAt?: number; paused?: boolean }): Promise<ParsedSchedule> {
    const parsed = validateSchedule({ paused: false, createdAt: Date.now(), ...s });
    await this.bucket.create(parsed.name, scheduleRecord(parsed));
    return parsed;
  }

  get(name: string): Promise<ParsedSchedule | undefined> {
    return this.bucket.get(name);
  }

  /** every valid schedule; a stored entry that is not one is skipped (told to `onSkip`) */
  list(onSkip?: SkipHandler): Promise<ParsedSchedule[]> {
    return this.bucket.list(onSkip);
  }

  /** Returns false when there was no such schedule. */
  remove(name: string): Promise<boolean> {
    return this.bucket.remove(name);
  }

  /** Pause or resume with a compare-and-set, so a concurrent edit is not overwritten. */
  async setPaused(name: string, paused: boolean): Promise<ParsedSchedule> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const e = await this.bucket.entry(name);
      if (e === undefined) throw new UsageError('name', `no schedule named "${name}"`);
      const s = e.value;
      s.paused = paused;
      try {
        await this.bucket.kv.update(name, encodeJson(scheduleRecord(s)), e.revision);
        return s;
      } catch (err: unknown) {
        if (!isCasConflict(err)) throw err;
      }
    }
    throw new XtraceError('internal', `schedule "${name}" kept changing; pause/resume gave up`);
  }
}

export function decodeSchedule(value: Uint8Array, key: string): ParsedSchedule {
  return decodeNamedRecord(SCHEDULES, value, key);
}
