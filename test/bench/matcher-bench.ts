/**
 * Matcher throughput on generated records: UDP request/reply exchanges over a 2-host path
 * (13 stages each way) and a 16-host path (97 stages each way), every host with its own
 * clock skew, batches of ~1000 records per host arriving interleaved (and the destination
 * host's batch first every other round). Prints records/s and memory.
 *
 *   node --import tsx test/bench/matcher-bench.ts [records]
 */
import { RECEIVER_STAGES, RECORD_SIZE, RecordFlag, RecordOffset, SENDER_STAGES, Stage, type StageName } from '@xtrace/proto';
import { PathMatcher, type RecordBatch } from '@xtrace/controller/analysis';

const TRANSIT: StageName[] = ['nic_rx', 'tunnel_rx', 'ovs_in', 'ovs_out', 'tunnel_tx', 'nic_tx'];

interface Generated {
  rounds: RecordBatch[][];
  records: number;
  nowOfRound: number[];
}

function stagesOf(i: number, n: number): readonly StageName[] {
  if (i === 0) return SENDER_STAGES;
  if (i === n - 1) return RECEIVER_STAGES;
  return TRANSIT;
}

function generate(hostCount: number, targetRecords: number): Generated {
  const hosts = Array.from({ length: hostCount }, (_, i) => `h${i}`);
  const skew = hosts.map((_, i) => BigInt(1_000_000_000_000 + i * 7_777_777_777 + (i % 2 ? 20_000_000 : -20_000_000)));
  const perExchange = 2 * hosts.reduce((a, _, i) => a + stagesOf(i, hostCount).length, 0);
  const exchanges = Math.ceil(targetRecords / perExchange);
  const perRound = Math.max(1, Math.floor(1000 / (perExchange / hostCount))); // ~1000 records per host batch
  const rounds: RecordBatch[][] = [];
  const nowOfRound: number[] = [];
  const seq = hosts.map(() => 0);
  let id = 1;
  let records = 0;
  const gapNs = 100_000; // one exchange every 100 µs of simulated time
  for (let e0 = 0; e0 < exchanges; e0 += perRound) {
    const n = Math.min(perRound, exchanges - e0);
    const bufs = hosts.map((_, h) => Buffer.alloc(n * (stagesOf(h, hostCount).length + stagesOf(hostCount - 1 - h, hostCount).length) * RECORD_SIZE));
    const fill = hosts.map(() => 0);
    for (let k = 0; k < n; k++) {
      const e = e0 + k;
      let t = e * gapNs;
      const flow = (e % 64) + 1;
      const put = (h: number, stage: StageName, pid: number, reverse: boolean) => {
        const v = new DataView(bufs[h]!.buffer, bufs[h]!.byteOffset + fill[h]! * RECORD_SIZE, RECORD_SIZE);
        fill[h]!++;
        v.setBigUint64(RecordOffset.tsNs, skew[h]! + BigInt(t), true);
        v.setUint32(RecordOffset.pktId, pid, true);
        v.setUint32(RecordOffset.pktId + 4, pid * 2654435761 >>> 0, true);
        v.setUint32(RecordOffset.probeMask, 1, true);
        v.setUint16(RecordOffset.stage, Stage[stage], true);
        v.setUint8(RecordOffset.flags, reverse ? RecordFlag.reverse : 0);
        v.setUint16(RecordOffset.sport, reverse ? 53 : 40000 + flow, true);
        v.setUint16(RecordOffset.dport, reverse ? 40000 + flow : 53, true);
        v.setUint8(RecordOffset.proto, 17);
        v.setUint32(RecordOffset.flowHash, flow * 0x9e3779b1, true);
      };
      const req = id++;
      for (let h = 0; h < hostCount; h++) {
        for (const s of stagesOf(h, hostCount)) {
          t += 3000 + ((e * 31 + h) % 7) * 100;
          put(h, s, req, false);
        }
      }
      const rep = id++;
      t += 20_000;
      for (let h = hostCount - 1; h >= 0; h--) {
        const rev = stagesOf(hostCount - 1 - h, hostCount);
        // the reverse path: host h plays the role it has in reverse order
        for (const s of rev) {
          t += 3000 + ((e * 17 + h) % 5) * 100;
          put(h, s, rep, true);
        }
      }
    }
    const round: RecordBatch[] = hosts.map((hostId, h) => ({
      hostId,
      bootId: 'b',
      seq: seq[h]!++,
      records: bufs[h]!.subarray(0, fill[h]! * RECORD_SIZE),
    }));
    if (rounds.length % 2) round.reverse();
    for (const b of round) records += b.records.byteLength / RECORD_SIZE;
    rounds.push(round);
    nowOfRound.push(((e0 + n) * gapNs) / 1e6 + 50);
  }
  return { rounds, records, nowOfRound };
}

function mb(n: number): string {
  return `${(n / 1048576).toFixed(1)} MB`;
}

function bench(hostCount: number, targetRecords: number): void {
  const g = generate(hostCount, targetRecords);
  const hosts = Array.from({ length: hostCount }, (_, i) => `h${i}`);
  // warm-up on a slice
  {
    const w = new PathMatcher({ hosts, timeoutMs: 500 });
    for (let r = 0; r < Math.min(50, g.rounds.length); r++) for (const b of g.rounds[r]!) w.ingest(b, g.nowOfRound[r]!);
  }
  const before = process.memoryUsage();
  const m = new PathMatcher({ hosts, timeoutMs: 500 });
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < g.rounds.length; r++) {
    const now = g.nowOfRound[r]!;
    for (const b of g.rounds[r]!) m.ingest(b, now);
    if (r % 100 === 99) m.takeIntervalReport(now);
  }
  const peak = m.memoryFootprint();
  const report = m.finish(g.nowOfRound[g.nowOfRound.length - 1]! + 1000);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const after = process.memoryUsage();
  const c = report.counters;
  const fw = report.directions.forward;
  console.log(
    `${String(hostCount).padStart(2)} hosts: ${g.records} records in ${secs.toFixed(2)} s = ${(g.records / secs / 1e6).toFixed(2)} M records/s` +
      `  (packets ${c.packets}, matched ${c.matched}, pairs ${c.pairs}, evicted ${c.evicted}, lost ${fw.lost}, segments/dir ${fw.segments.length})`,
  );
  console.log(
    `          matcher pool ${peak.slots} slots ≈ ${mb(peak.bytes)}; heap ${mb(after.heapUsed)} (+${mb(after.heapUsed - before.heapUsed)}), array buffers ${mb(after.arrayBuffers)} (input ${mb(g.records * RECORD_SIZE)}), rss ${mb(after.rss)}` +
      `  clock[0] offset ${report.clock[0]?.offset_us}µs ±${report.clock[0]?.uncertainty_us}µs  e2e p50 ${fw.total?.p50_us}µs ±${fw.total?.uncertainty_us}`,
  );
}

const target = Number(process.argv[2] ?? 2_000_000);
bench(2, target);
bench(16, target);
