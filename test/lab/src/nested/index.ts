// The nested lab's public surface (exported from @xtrace/lab). Its addresses are a namespace:
// their names (vmIp, underlayIp, …) are the namespace lab's too.
export * as nestedAddresses from './addresses.js';
export * from './errors.js';
export { nestedCacheDir, NESTED_STATE_DIR, NESTED_SCRIPTS } from './paths.js';
export type { NestedKernel } from './assets.js';
export type { NestedLabState, NestedHostRecord } from './state.js';
export { findNestedProcesses, type NestedProcess } from './processes.js';
export type { NestedTeardownReport } from './teardown.js';
export type { CommandReply } from './control-channel.js';
export type { HypervisorLogs } from './hypervisor.js';
export * from './guest-client.js';
export { nestedLabMissing, nestedLabUnavailableReason } from './prerequisites.js';
export * from './spec.js';
export * from './timings.js';
export * from './nested-lab.js';
