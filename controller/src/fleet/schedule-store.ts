/** Scheduled probes in JetStream KV `xtrace_schedules`, one key per schedule name. */
import type { KV, NatsConnection } from 'nats';
import { UsageError, XtraceError } from '@xtrace/proto';
import { decodeJson, encodeJson, isCasConflict, openSchedulesKv } from './kv-buckets.js';
import { scheduleRecord, validateName, validateSchedule, type ParsedSchedule, type Schedule } from './schedule.js';

export class ScheduleStore {
  private constructor(readonly kv: KV) {}

  static async open(nc: NatsConnection): Promise<ScheduleStore> {
    return new ScheduleStore(await openSchedulesKv(nc));
  }

  /** Add a new schedule; fails if the name is taken. */
  async add(s: Omit<Schedule, 'createdAt' | 'paused'> & { createdAt?: number; paused?: boolean }): Promise<ParsedSchedule> {
    const parsed = validateSchedule({ paused: false, createdAt: Date.now(), ...s });
    try {
      await this.kv.create(parsed.name, encodeJson(scheduleRecord(parsed)));
    } catch (e: unknown) {
      if (isCasConflict(e)) throw new UsageError('name', `a schedule named "${parsed.name}" already exists`, { cause: e });
      throw e;
    }
    return parsed;
  }

  async get(name: string): Promise<ParsedSchedule | undefined> {
    validateName(name, 'name');
    const e = await this.kv.get(name);
    if (e === null || e.operation !== 'PUT') return undefined;
    return decodeSchedule(e.value, name);
  }

  async list(): Promise<ParsedSchedule[]> {
    const names: string[] = [];
    for await (const k of await this.kv.keys()) names.push(k);
    const out: ParsedSchedule[] = [];
    for (const n of names.sort()) {
      const s = await this.get(n);
      if (s !== undefined) out.push(s);
    }
    return out;
  }

  /** Returns false when there was no such schedule. */
  async remove(name: string): Promise<boolean> {
    validateName(name, 'name');
    const e = await this.kv.get(name);
    if (e === null || e.operation !== 'PUT') return false;
    await this.kv.delete(name);
    return true;
  }

  /** Pause or resume with a compare-and-set, so a concurrent edit is not overwritten. */
  async setPaused(name: string, paused: boolean): Promise<ParsedSchedule> {
    validateName(name, 'name');
    for (let attempt = 0; attempt < 5; attempt++) {
      const e = await this.kv.get(name);
      if (e === null || e.operation !== 'PUT') throw new UsageError('name', `no schedule named "${name}"`);
      const s = decodeSchedule(e.value, name);
      s.paused = paused;
      try {
        await this.kv.update(name, encodeJson(scheduleRecord(s)), e.revision);
        return s;
      } catch (err: unknown) {
        if (!isCasConflict(err)) throw err;
      }
    }
    throw new XtraceError('internal', `schedule "${name}" kept changing; pause/resume gave up`);
  }
}

export function decodeSchedule(value: Uint8Array, key: string): ParsedSchedule {
  let raw: unknown;
  try {
    raw = decodeJson(value);
  } catch (e: unknown) {
    throw new XtraceError('internal', `schedule ${key}: stored value is not JSON`, { cause: e });
  }
  return validateSchedule(raw, `schedule[${key}]`);
}
