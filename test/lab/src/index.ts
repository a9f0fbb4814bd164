// @xtrace/lab: the multi-hypervisor lab behind `xtrace lab` and `xtrace demo`, and the end-to-end
// tests and benchmarks (test/lab/README.md). Only what those callers use is public; the parts
// (names, state, shell, network build, relay processes, ...) stay inside the package.

// the namespace lab
export { Lab } from './lab.js';
export type { HostInfo, VmInfo } from './topology.js';
export type { ExecOptions } from './lab-processes.js';
export type { LabStatus } from './lab-status.js';
export type { TeardownReport } from './lab-teardown.js';
export type { DropRule, DropRuleSpec } from './nft-rules.js';
export type { RelayStatus } from './relay-control.js';
export type { Distribution, RelayDirectionStats, RelayRecord, RelayStats } from './relay-process.js';
export type { HostOverrides, Impairment, LabSpec, RelayKnobs, ResolvedImpairment, ResolvedRelayKnobs, WireMode } from './spec.js';
export type { TruthFate, TruthRecord } from './truth-log.js';
export { echoTurnaroundsNs } from './echo-exchanges.js';

// traffic between VMs
export { ping, type PingOptions, type PingResult } from './traffic/ping.js';
export { startUdpEchoServer, udpRequestResponse, type UdpEchoStats, type UdpRrOptions, type UdpRrResult } from './traffic/udp.js';
export { startTcpEchoServer, tcpRequestResponse, type TcpRrOptions, type TcpRrResult } from './traffic/tcp.js';
export type { EchoServer } from './traffic/echo-server.js';
export { summarize, type Summary } from './traffic/summary.js';

// xtrace on a lab: NATS + controller on the machine, agents in the hypervisors
export { XtraceStack } from './xtrace-stack.js';
export { ControllerStack, type ControllerStackOptions, type PairRun } from './controller-stack.js';

// nested hypervisors under QEMU
export * from './nested/index.js';
