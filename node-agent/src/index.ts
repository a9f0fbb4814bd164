export * from './agent.js';
export * from './run-agent.js';
export * from './host-identity.js';
export * from './batch-split.js';
export * from './bpf-slot-allocator.js';
export * from './testing/fake-tracer.js';
export type * from './tracing/tracer-api.js';
export * from './memory.js';
export { readKernelDropReasons } from './kernel-drop-reasons.js';
