/** Reads xt_counters (a per-CPU array) and sums each counter over the CPUs. */
import { Counter, type CounterName } from '../proto.js';
import type { BpfObject } from '@xtrace/native';
import type { Counters } from './tracer-api.js';

export function readKernelCounters(object: Pick<BpfObject, 'mapLookup'>): Counters {
  const out = {} as Counters;
  const key = Buffer.alloc(4);
  for (const [name, index] of Object.entries(Counter) as [CounterName, number][]) {
    key.writeUInt32LE(index, 0);
    const values = object.mapLookup('xt_counters', key);
    let sum = 0;
    if (values) for (let off = 0; off + 8 <= values.length; off += 8) sum += Number(values.readBigUInt64LE(off));
    out[name] = sum;
  }
  return out;
}
