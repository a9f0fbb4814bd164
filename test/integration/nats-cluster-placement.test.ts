/**
 * A replicated bucket asked of a cluster that cannot place it yet (the third of three nodes
 * not started yet, as while a cluster starts node by node) is created once the node is back, not
 * refused (kv-buckets.ts createWhenPlaceable); one that never can be placed fails with what it
 * needs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from 'nats';
import { createWhenPlaceable, isJetStreamUnavailable, isPlacementPending } from '../../controller/src/fleet/kv-buckets.js';
import { startNatsCluster, type NatsCluster } from './fleet-nats.js';

/** the first result of `ask` that is not a JetStream timeout or no-responders */
async function eventuallyAnswered(ask: () => Promise<unknown>, timeoutMs = 30_000): Promise<unknown> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await ask();
    if (!isJetStreamUnavailable(r) || Date.now() > end) return r;
    await new Promise((res) => setTimeout(res, 250));
  }
}

describe('creating an R3 bucket while the third node of a 3-node cluster has not joined yet', () => {
  let cluster: NatsCluster;
  let nc: NatsConnection | undefined;

  beforeAll(async () => {
    cluster = await startNatsCluster(3, 2);
  }, 60_000);

  afterAll(async () => {
    if (nc !== undefined && !nc.isClosed()) await nc.close();
    await cluster?.stop();
  }, 30_000);

  it('is placed once the node is back; without it, fails naming the replicas it needs', async () => {
    nc = await cluster.connect('placement');
    const js = nc.jetstream();
    const create = (bucket: string) => () => js.views.kv(bucket, { replicas: 3, history: 1 });

    // nothing retried: this is what the cluster answers while the node is gone (once its meta
    // group has a leader again: until then, requests time out)
    const refused = await eventuallyAnswered(() => create('xt_place_a')().then(() => undefined, (e: unknown) => e));
    expect(isPlacementPending(refused), `the cluster's answer: ${String(refused)}`).toBe(true);

    await expect(createWhenPlaceable('bucket xt_place_b (3 replicas)', 3, create('xt_place_b'), 1500)).rejects.toThrow(/xt_place_b \(3 replicas\) needs 3 JetStream servers/);

    const restarting = new Promise<void>((resolve, reject) => setTimeout(() => cluster.restart(2).then(resolve, reject), 1000));
    const kv = await createWhenPlaceable('bucket xt_place_c (3 replicas)', 3, create('xt_place_c'));
    await restarting;
    expect((await kv.status()).replicas).toBe(3);
  }, 60_000);
});
