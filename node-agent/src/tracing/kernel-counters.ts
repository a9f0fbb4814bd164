/**
 * Reads xt_counters (a per-CPU array of one element, every counter in it: xt_counter_set) and
 * sums each counter over the CPUs.
 */
import { Counter, COUNTER_COUNT, type CounterName } from '@xtrace/proto';
import type { BpfObject } from '@xtrace/native';
import type { Counters } from './tracer-api.js';

export function readKernelCounters(object: Pick<BpfObject, 'mapLookup'>): Counters {
  const out = {} as Counters;
  const values = object.mapLookup('xt_counters', Buffer.alloc(4));
  const entries = Object.entries(Counter) as [CounterName, number][];
  // per CPU: COUNTER_COUNT u64 values (8-byte aligned already)
  const stride = COUNTER_COUNT * 8;
  for (const [name, index] of entries) {
    let sum = 0;
    if (values) for (let off = index * 8; off + 8 <= values.length; off += stride) sum += Number(values.readBigUInt64LE(off));
    out[name] = sum;
  }
  return out;
}
