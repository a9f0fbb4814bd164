// @xtrace/lab: the multi-hypervisor lab behind `xtrace lab` and `xtrace demo`, and the end-to-end
// tests and benchmarks (test/lab/README.md). Only what those callers use is public; the parts
// (names, state, shell, network build, relay processes, ...) stay inside the package.

// the namespace lab
export { Lab } from './lab.js';
export type { VmInfo } from './topology.js';
export type { LabStatus } from './lab-status.js';
export type { TeardownReport } from './lab-teardown.js';
export type { LabSpec, ResolvedImpairment, WireMode } from './spec.js';
export { echoTurnaroundsNs, overlappedExchanges } from './echo-exchanges.js';

// waits of tests that start real processes, raised on slow machines (XTRACE_TEST_TIME_SCALE)
export { scaledMs } from './time-scale.js';

// traffic between VMs
export { ping } from './traffic/ping.js';
export { startUdpEchoServer, udpRequestResponse, type UdpEchoStats } from './traffic/udp.js';
export { startTcpEchoServer, tcpRequestResponse } from './traffic/tcp.js';
export { summarize } from './traffic/summary.js';

// xtrace on a lab: NATS + controller on the machine, agents in the hypervisors
export { XtraceStack } from './xtrace-stack.js';
export { ControllerStack } from './controller-stack.js';
export { waitProbeRunning, type CliStack } from './probe-running.js';

// nested hypervisors under QEMU
export * from './nested/index.js';
