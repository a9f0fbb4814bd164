// The nested lab's public face (exported from @xtrace/lab). Its addresses are a namespace:
// their names (vmIp, underlayIp, …) are the namespace lab's too.
export * as nestedAddresses from './addresses.js';
export type { GuestClientResult } from './guest-client.js';
export { nestedLabUnavailableReason } from './prerequisites.js';
export { NestedLab, type NestedVm } from './nested-lab.js';
