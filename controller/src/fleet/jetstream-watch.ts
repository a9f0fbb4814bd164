/**
 * Watches on a cluster that may have lost a node: following a KV bucket (`kv.watch`: its values,
 * then every change) or a stream's subjects (history's follow).
 *
 * A watch is an ordered consumer, and nats-server 2.9 still places about one consumer in three
 * on a dead node of a 3-node cluster: creating it hangs until the request times out (5 s) and
 * fails. Measured with one node of 3 killed (test/integration/controller-start-node-down.test.ts):
 * - 4 of 15 KV watch creations failed with TIMEOUT. A controller opens three as it starts (alert
 *   rules, probe slots, schedules), so most starts during such an outage failed.
 * - history's follow, an ordered *pull* consumer, was worse: nats.js retries a failed creation
 *   under the same consumer name, which the server keeps placing on the dead node, so 3 of 8
 *   follows failed only after ~2 minutes, having said nothing.
 * Here every watch is an ordered push consumer, created through a client whose requests time
 * out after CONSUMER_CREATE_TIMEOUT_MS, and tried again (under a new name) while unanswered.
 * Once created, a watch outlives its consumer's node: nats.js re-creates the consumer under a
 * new name (6 of 6 KV watches across a kill got every later entry).
 */
import { consumerOpts, type ConsumerOptsBuilder, type JetStreamSubscription, type KvEntry, type KvWatchOptions, type NatsConnection, type QueuedIterator } from 'nats';
import { retryWhile, type RetryWindow } from '../retry-while.js';
import { CONSUMER_CREATE_TIMEOUT_MS, isJetStreamUnavailable } from './kv-buckets.js';

/** How long a watch is tried again (a cluster that lost a node also elects leaders for a while). */
const WATCH_OPEN_RETRY: RetryWindow = { forMs: 30_000, firstWaitMs: 100, maxWaitMs: 1000 };

/** A watch of the existing bucket `bucket`. */
export function watchBucket(nc: NatsConnection, bucket: string, opts: KvWatchOptions = {}): Promise<QueuedIterator<KvEntry>> {
  const js = nc.jetstream({ timeout: CONSUMER_CREATE_TIMEOUT_MS });
  return retryWhile(isJetStreamUnavailable, async () => (await js.views.kv(bucket, { bindOnly: true })).watch(opts), WATCH_OPEN_RETRY);
}

/** Where a follow of a stream's subject starts. */
export type FollowStart = { atMs: number } | 'new';

/** The stored messages on `subject` from `start` on, then every new one, in order. */
export function followSubject(nc: NatsConnection, subject: string, start: FollowStart): Promise<JetStreamSubscription> {
  const js = nc.jetstream({ timeout: CONSUMER_CREATE_TIMEOUT_MS });
  const options = (): ConsumerOptsBuilder => {
    const o = consumerOpts();
    o.orderedConsumer();
    if (start === 'new') o.deliverNew();
    else o.startTime(new Date(start.atMs));
    return o;
  };
  return retryWhile(isJetStreamUnavailable, () => js.subscribe(subject, options()), WATCH_OPEN_RETRY);
}
