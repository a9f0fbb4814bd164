/**
 * The Schedules gRPC service (proto/xtrace.proto): scheduled probes in KV `xtrace_schedules`
 * (fleet/schedule-store.ts) and their runs' claims in `xtrace_schedule_runs` (fleet/run-claim.ts).
 * Requests are validated by the store (fleet/schedule.ts validateSchedule): a bad one is
 * INVALID_ARGUMENT naming the field (schedule.every, schedule.pairs[0], ...).
 */
import type { NatsConnection } from 'nats';
import type pino from 'pino';
import { errorMessage, type ScheduleMessage, type ScheduleRunMessage } from '@xtrace/proto';
import type { SchedulesHandlers } from '@xtrace/proto/grpc';
import { openScheduleRunsKv } from './fleet/kv-buckets.js';
import { decodeClaim, parseRunKey, type RunClaim } from './fleet/run-claim.js';
import type { ParsedSchedule, ScheduleProto } from './fleet/schedule.js';
import { ScheduleStore } from './fleet/schedule-store.js';
import { NotFoundError } from './grpc-errors.js';
import { lazyStore, noFleetError, unary } from './grpc-fleet-unary.js';
import { pairSelectorMessage, requestedPairSelector } from './grpc-pair-selector.js';

function scheduleMessage(s: ParsedSchedule): ScheduleMessage {
  return { name: s.name, every: s.every, duration: s.duration, pairs: pairSelectorMessage(s.pairs), paused: s.paused, proto: s.proto ?? '', createdAt: s.createdAt };
}

/** a claim, with `resolved` telling "no pairs yet" from an empty list */
function scheduleRunMessage(r: RunClaim): ScheduleRunMessage {
  return { ...r, resolved: r.pairs !== null, pairs: r.pairs ?? [] };
}

/** The newest `n` run claims of a schedule. */
async function recentRuns(nc: NatsConnection, name: string, n: number): Promise<RunClaim[]> {
  if (n === 0) return [];
  const kv = await openScheduleRunsKv(nc);
  // a claim rewritten while the keys are listed (a heartbeat, a pair finishing) is listed again
  const seen = new Set<string>();
  for await (const k of await kv.keys(`run.${name}.*`)) seen.add(k);
  const keys = [...seen];
  keys.sort((a, b) => (parseRunKey(b)?.slot ?? 0) - (parseRunKey(a)?.slot ?? 0));
  const runs: RunClaim[] = [];
  for (const k of keys.slice(0, n)) {
    const e = await kv.get(k);
    if (e !== null && e.operation === 'PUT') runs.push(decodeClaim(e.value));
  }
  return runs;
}

const notFound = (name: string): NotFoundError => new NotFoundError('name', `no schedule named "${name}"`);

/** `nc` undefined: the controller runs without the fleet layer, every call says so. */
export function createScheduleService(nc: NatsConnection | undefined, logger: pino.Logger): SchedulesHandlers {
  const log = logger.child({ part: 'grpc-schedules' });
  const store = lazyStore(async () => {
    if (nc === undefined) throw noFleetError('scheduled probes');
    return ScheduleStore.open(nc);
  });
  return {
    AddSchedule: unary(log, 'AddSchedule', async (req) => {
      const pairs = requestedPairSelector(req.pairs, 'schedule.pairs');
      const s = await (await store()).add({
        name: req.name,
        every: req.every,
        duration: req.duration,
        pairs,
        paused: req.paused,
        ...(req.proto !== '' ? { proto: req.proto as ScheduleProto } : {}),
      });
      log.info({ schedule: s.name, every: s.every, duration: s.duration }, 'schedule added');
      return scheduleMessage(s);
    }),

    ListSchedules: unary(log, 'ListSchedules', async () => ({
      schedules: (await (await store()).list((key, e) => log.warn({ key, err: errorMessage(e) }, 'skipping an invalid stored schedule'))).map(scheduleMessage),
    })),

    GetSchedule: unary(log, 'GetSchedule', async (req) => {
      const s = await (await store()).get(req.name);
      if (s === undefined) throw notFound(req.name);
      // the store was opened, so the fleet layer (and `nc`) is there
      return { schedule: scheduleMessage(s), runs: (await recentRuns(nc!, s.name, req.runs)).map(scheduleRunMessage) };
    }),

    RemoveSchedule: unary(log, 'RemoveSchedule', async (req) => {
      if (!(await (await store()).remove(req.name))) throw notFound(req.name);
      log.info({ schedule: req.name }, 'schedule removed');
      return {};
    }),

    SetSchedulePaused: unary(log, 'SetSchedulePaused', async (req) => {
      const st = await store();
      if ((await st.get(req.name)) === undefined) throw notFound(req.name);
      const s = await st.setPaused(req.name, req.paused);
      log.info({ schedule: s.name, paused: s.paused }, req.paused ? 'schedule paused' : 'schedule resumed');
      return scheduleMessage(s);
    }),
  };
}
