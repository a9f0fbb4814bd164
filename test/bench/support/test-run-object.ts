/**
 * xtrace's real BPF object (bpf/build/xtrace.bpf.o) set up to be driven by BPF_PROG_TEST_RUN
 * as a record producer: only xt_tc_ingress loaded (and xt_flush_batch, for a ring that flushes
 * the per-CPU batches), loopback ingress made a stage (test runs
 * give the skb the loopback device), one probe on the benchmark's address pair. The same
 * set-up as bpf/test/test-run-harness.ts, without its per-record decoding: benchmarks own the
 * ring buffer.
 */
import { statSync } from 'node:fs';
import { BPF_TCX_INGRESS, native, type NativeBpfObject } from '@xtrace/native';
import {
  addressBytes,
  BATCH_STAGING,
  configValue,
  DEFAULT_BPF_OBJECT,
  DEFAULT_RING_BUFFER_BYTES,
  probeKey,
  probeValue,
  readKernelCounters,
  stageKey,
  stageValue,
  devStageValue,
  u32Key,
  ZERO_KEY,
  type Counters,
} from '@xtrace/node-agent/tracing';
import { frame } from '../../../bpf/test/frames.js';

export const PROGRAM = 'xt_tc_ingress';
export const RING = 'xt_events';
export const PAIR = { src: '192.168.77.10', dst: '192.168.77.20' } as const;
/** a UDP frame of the pair: every test run of it emits one record */
export const MATCHING_FRAME = frame({ src: PAIR.src, dst: PAIR.dst, proto: 'udp' });

export interface TestRunObject {
  object: NativeBpfObject;
  netns: number;
  /** kernel id of xt_tc_ingress (for a consumer in another process) */
  programId: number;
  counters(): Counters;
  /**
   * writes the probe on PAIR (both directions) into the filter, as slot `slot`; batch: records
   * go through the per-CPU batches (only for a ring opened with `staging: BATCH_STAGING`)
   */
  watch(slot?: number, opts?: { batch?: boolean }): void;
}

/** ringBytes: xt_events size, the agent's default unless given */
export function openTestRunObject(path = DEFAULT_BPF_OBJECT, ringBytes = DEFAULT_RING_BUFFER_BYTES): TestRunObject {
  const object = native.openObject(path);
  object.setMaxEntries(RING, ringBytes);
  for (const p of object.programs()) object.setAutoload(p.name, p.name === PROGRAM || p.name === BATCH_STAGING.program);
  object.setExpectedAttachType(PROGRAM, BPF_TCX_INGRESS);
  object.load();
  const netns = statSync('/proc/self/ns/net').ino;
  object.mapUpdate('xt_stages', stageKey(netns, 1, 'ingress'), stageValue('nic_rx', 'tc'));
  // programs find devices below 65536 in the ifindex-indexed array (the hash is for larger ones)
  object.mapUpdate('xt_dev_stages', u32Key(1), devStageValue(null, 'ingress', 'nic_rx', 'tc'));
  return {
    object,
    netns,
    programId: object.programStats(PROGRAM).id,
    counters: () => readKernelCounters(object),
    watch(slot = 0, opts = {}) {
      const src = addressBytes(PAIR.src);
      const key = probeKey(src, addressBytes(PAIR.dst));
      object.mapUpdate('xt_probes', key, probeValue(key, [{ slot, src, proto: 0, port: 0, sampleN: 0, sampleK: 0, snaplen: 0 }]));
      object.mapUpdate('xt_config_map', ZERO_KEY, configValue(1, netns, opts));
    },
  };
}
