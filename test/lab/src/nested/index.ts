// The nested lab's public face (exported from @xtrace/lab). Its addresses are a namespace:
// their names (vmIp, underlayIp, …) are the namespace lab's too.
export * as nestedAddresses from './addresses.js';
export type { CommandOutcome, LogTail } from './errors.js';
export type { NestedKernel } from './assets.js';
export type { NestedTeardownReport } from './teardown.js';
export type { CommandReply } from './control-channel.js';
export type { HypervisorLogs } from './hypervisor.js';
export type { GuestClientOptions, GuestClientResult, GuestExchange, LatencySummaryUs } from './guest-client.js';
export { nestedLabUnavailableReason } from './prerequisites.js';
export type { NestedAgentOptions, NestedLabSpec } from './spec.js';
export type { HypervisorTimings, NestedLabTimings } from './timings.js';
export { NestedLab, type NestedExecResult, type NestedVm } from './nested-lab.js';
