export * from './tracer-api.js';
export * from './bpf-layouts.js';
export { createTracer, disabledHooksFromEnv, DEFAULT_BPF_OBJECT, type TracerOptions, type TracerWithReport } from './tracer.js';
export { readKernelCounters } from './kernel-counters.js';
export { runLocalTrace, type LocalTraceOptions } from './local-trace.js';
