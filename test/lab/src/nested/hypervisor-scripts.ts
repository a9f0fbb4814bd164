/**
 * Command lines of test/lab/nested's hypervisor scripts, as the lab runs them over the control
 * channel (their arguments are documented in the scripts themselves).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BRIDGE, UNDERLAY_DEV, VM_MTU, VM_PREFIX, VXLAN_VNI, natsUrlInside } from './addresses.js';
import { NESTED_SCRIPTS, REPO_ROOT } from './paths.js';
import { shellCommand, shq } from './shell-quote.js';

const script = (name: string): string => join(NESTED_SCRIPTS, name);

/** OVS bridge with a VXLAN port to `remoteIp` and the VMs' taps; checks forwarding. */
export const ovsSetupCommand = (remoteIp: string, taps: readonly string[]): string =>
  shellCommand([script('hypervisor-ovs.sh'), BRIDGE, String(VXLAN_VNI), remoteIp, ...taps]);

interface VmLaunch {
  index: number;
  ip: string;
  mac: string;
  tap: string;
  memoryMb: number;
  /** static entries for every other VM: no ARP on the traced path, as in the namespace lab */
  neighbours: { ip: string; mac: string }[];
}

export const vmStartCommand = (vm: VmLaunch): string =>
  shellCommand([
    script('hypervisor-vm.sh'),
    'start',
    String(vm.index),
    `${vm.ip}/${VM_PREFIX}`,
    vm.mac,
    vm.tap,
    String(VM_MTU),
    String(vm.memoryMb),
    ...vm.neighbours.map((n) => `${n.ip}@${n.mac}`),
  ]);

export const vmWaitReadyCommand = (index: number, timeoutS: number): string =>
  shellCommand([script('hypervisor-vm.sh'), 'wait-ready', String(index), String(timeoutS)]);

/** `xtrace agent --nats <forwarded NATS> --host-id <id> [--nic underlay0] <extra>` with `env` set, in the background. */
export function agentStartCommand(hostId: string, extra: readonly string[], env: Record<string, string>): string {
  const args = ['--nats', natsUrlInside(), '--host-id', hostId, ...agentNicArgs(), ...extra];
  const assignments = Object.entries(env).map(([k, v]) => `${k}=${shq(v)}`);
  return [...assignments, shellCommand([script('hypervisor-agent.sh'), 'start', ...args])].join(' ');
}

export const agentStopCommand = (): string => shellCommand([script('hypervisor-agent.sh'), 'stop']);

/** What the agent's log says once it runs (node-agent/src/run-agent.ts), and when its wrapper saw it exit. */
export const AGENT_RUNNING_RE = /"msg":"agent running"/;
export const AGENT_EXITED_RE = /=== agent exited rc=\d+/;

/**
 * `--nic underlay0` when this checkout's `xtrace agent` has a --nic option (it names the NIC the
 * overlay leaves by instead of leaving it to discovery); an agent without the option would
 * refuse it. Read from the CLI's source: the agent runs from this checkout.
 */
function agentNicArgs(): string[] {
  const source = join(REPO_ROOT, 'cli', 'src', 'commands', 'agent.ts');
  return existsSync(source) && /['"`]--nic\b/.test(readFileSync(source, 'utf8')) ? ['--nic', UNDERLAY_DEV] : [];
}
