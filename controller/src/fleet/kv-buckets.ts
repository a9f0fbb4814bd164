/** Names and openers of the JetStream KV buckets and streams the fleet layer uses. */
import { ErrorCode, type JetStreamClient, type KV, type NatsConnection } from 'nats';
import { retryWhile } from '../retry-while.js';
import { ALERTS_BUCKET, PROBE_SLOTS_BUCKET, SCHEDULES_BUCKET, SCHEDULE_RUNS_BUCKET, UnreachableError } from '@xtrace/proto';


export const DEFAULT_RUN_CLAIM_TTL_MS = 25 * 3_600_000;

/** The JetStream API error code a failed request carries (`api_error.err_code`), if any. */
export function jetStreamErrorCode(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const code = (e as { api_error?: { err_code?: unknown } }).api_error?.err_code;
  return typeof code === 'number' ? code : undefined;
}

/** JetStream error code for "wrong last sequence" (a compare-and-set lost). */
const JS_WRONG_LAST_SEQUENCE = 10071;

export function isCasConflict(e: unknown): boolean {
  if (jetStreamErrorCode(e) === JS_WRONG_LAST_SEQUENCE) return true;
  return e instanceof Error && /wrong last sequence/i.test(e.message);
}

/**
 * How the fleet's buckets and streams are stored when a controller creates them: `replicas`
 * copies on distinct servers of a NATS cluster (1 on a single server; 3 on a 3-node cluster, so
 * one node can die without losing schedules, claims, slots, rules or history). A bucket that
 * already exists keeps the replica count it was created with.
 */
export interface JetStreamPlacement {
  /** default 1 */
  replicas?: number;
}

/**
 * JetStream could not answer for now: the request timed out or nobody answered (503), as while
 * a cluster that lost a node elects new leaders. Trying again (with the same compare-and-set
 * revision or message id) is safe.
 */
export function isJetStreamUnavailable(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const code = (e as { code?: unknown }).code;
  return code === ErrorCode.Timeout || code === ErrorCode.NoResponders;
}

/**
 * A consumer (a read's or a watch's) not created within this is taken as placed on a dead node of
 * the cluster (healthy: ~1 ms); stream-scan.ts and jetstream-watch.ts then read or try another way.
 */
export const CONSUMER_CREATE_TIMEOUT_MS = 2000;

/** JetStream error code for "no suitable peers for placement" (JSClusterNoPeersErrF). */
const JS_NO_SUITABLE_PEERS = 10005;

/**
 * The cluster cannot place a replicated bucket or stream now: fewer JetStream servers than
 * replicas have joined its meta group. A cluster that is still forming (all servers started
 * together) answers this for its first seconds, before every server has registered.
 */
export function isPlacementPending(e: unknown): boolean {
  if (jetStreamErrorCode(e) === JS_NO_SUITABLE_PEERS) return true;
  return e instanceof Error && /no suitable peers for placement/i.test(e.message);
}

/** How long creating a replicated bucket or stream waits for a forming cluster's servers. */
export const PLACEMENT_WAIT_MS = 30_000;

/**
 * `create()`, tried again while the cluster cannot place `replicas` copies yet (isPlacementPending)
 * or does not answer (isJetStreamUnavailable), until `waitMs` passed; then the last error, with
 * what it needs.
 */
export async function createWhenPlaceable<T>(what: string, replicas: number, create: () => Promise<T>, waitMs = PLACEMENT_WAIT_MS): Promise<T> {
  const retriable = (e: unknown): boolean => (replicas > 1 && isPlacementPending(e)) || isJetStreamUnavailable(e);
  try {
    return await retryWhile(retriable, create, { forMs: waitMs, firstWaitMs: 250 });
  } catch (e: unknown) {
    if (!isPlacementPending(e)) throw e;
    throw new Error(`${what} needs ${replicas} JetStream servers in one cluster; fewer joined within ${waitMs} ms (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
}

async function open(js: JetStreamClient, bucket: string, opts: { history?: number; ttl?: number; description: string } & JetStreamPlacement): Promise<KV> {
  const replicas = opts.replicas ?? 1;
  try {
    return await createWhenPlaceable(`JetStream KV bucket ${bucket} (${replicas} replicas)`, replicas, () =>
      js.views.kv(bucket, {
        history: opts.history ?? 1,
        replicas,
        ...(opts.ttl !== undefined ? { ttl: opts.ttl } : {}),
        description: opts.description,
      }),
    );
  } catch (e: unknown) {
    throw new UnreachableError(`cannot open JetStream KV bucket ${bucket}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

export function openSchedulesKv(nc: NatsConnection, placement: JetStreamPlacement = {}): Promise<KV> {
  return open(nc.jetstream(), SCHEDULES_BUCKET, { ...placement, history: 5, description: 'xtrace scheduled probes' });
}

/** `ttlMs` only applies when the bucket is created; it must exceed the longest schedule period. */
export function openScheduleRunsKv(nc: NatsConnection, ttlMs: number = DEFAULT_RUN_CLAIM_TTL_MS, placement: JetStreamPlacement = {}): Promise<KV> {
  return open(nc.jetstream(), SCHEDULE_RUNS_BUCKET, { ...placement, history: 1, ttl: ttlMs, description: 'xtrace schedule run claims' });
}

export function openProbeSlotsKv(nc: NatsConnection, placement: JetStreamPlacement = {}): Promise<KV> {
  return open(nc.jetstream(), PROBE_SLOTS_BUCKET, { ...placement, history: 1, description: 'xtrace probe concurrency slots (leases)' });
}

export function openAlertsKv(nc: NatsConnection, placement: JetStreamPlacement = {}): Promise<KV> {
  return open(nc.jetstream(), ALERTS_BUCKET, { ...placement, history: 5, description: 'xtrace alert rules' });
}

const enc = new TextEncoder();
const dec = new TextDecoder();
export function encodeJson(v: unknown): Uint8Array {
  return enc.encode(JSON.stringify(v));
}
export function decodeJson(b: Uint8Array): unknown {
  return JSON.parse(dec.decode(b));
}
