export * from './tracer-api.js';
export * from './bpf-layouts.js';
export {
  createTracer,
  DEFAULT_BPF_OBJECT,
  DEFAULT_RING_BUFFER_BYTES,
  RING_BATCHING,
} from './tracer.js';
export { ProbeTable } from './probe-table.js';
export { readKernelCounters } from './kernel-counters.js';
export { runLocalTrace } from './local-trace.js';
