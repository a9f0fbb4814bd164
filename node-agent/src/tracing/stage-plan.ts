/**
 * Which stages this host can observe on which devices, before any hook is tried. Pure:
 * it reads the discovered scope and the kernel's modules, so it is unit-tested on fixtures.
 */
import type { StageName } from '@xtrace/proto';
import { DEVICE_STAGE_HOOKS, DROP_CANDIDATES, FUNCTION_STAGE_HOOKS, type HookCandidate } from './hook-candidates.js';
import { isVmPort } from './inventory.js';
import type { HostInterface } from './tracer-api.js';

/** A stage attached per device and direction (tc, or a device tracepoint scoped by the device map). */
export interface DeviceStage {
  stage: StageName;
  device: HostInterface;
  dir: 'ingress' | 'egress';
  candidates: HookCandidate[];
}

/** A stage observed at a kernel function, once for the host; `devices` are the ones it covers (for the report). */
export interface FunctionStage {
  stage: StageName;
  devices: HostInterface[];
  candidates: HookCandidate[];
  /** a stage that must be attached for this one to record */
  needs?: StageName;
}

export interface StagePlan {
  deviceStages: DeviceStage[];
  /** in dependency order: a stage comes after the one it needs */
  functionStages: FunctionStage[];
  dropCandidates: HookCandidate[];
  /** stages with nothing to attach to, and why */
  unobservable: { stage: StageName; reason: string }[];
}

interface KernelModules {
  has(name: string): boolean;
}

function deviceStage(stage: StageName, device: HostInterface): DeviceStage {
  const hooks = DEVICE_STAGE_HOOKS[stage];
  if (!hooks) throw new Error(`no device hooks defined for stage ${stage}`);
  return { stage, device, dir: hooks.dir, candidates: hooks.candidates };
}

function functionStage(stage: StageName, devices: HostInterface[]): FunctionStage {
  const hooks = FUNCTION_STAGE_HOOKS[stage];
  if (!hooks) throw new Error(`no function hooks defined for stage ${stage}`);
  return { stage, devices, candidates: hooks.candidates, ...(hooks.needs ? { needs: hooks.needs } : {}) };
}

/** Every planned candidate program, companions included (what the tracer loads). */
export function plannedCandidates(plan: StagePlan): HookCandidate[] {
  const all = [...plan.deviceStages.flatMap((s) => s.candidates), ...plan.functionStages.flatMap((s) => s.candidates), ...plan.dropCandidates];
  return [...all, ...all.flatMap((c) => c.companions ?? [])];
}

export function planStages(interfaces: HostInterface[], modules: KernelModules): StagePlan {
  const plan: StagePlan = { deviceStages: [], functionStages: [], dropCandidates: DROP_CANDIDATES, unobservable: [] };
  const vmPorts = interfaces.filter(isVmPort);
  const tunnels = interfaces.filter((i) => i.kind === 'vxlan' || i.kind === 'geneve');
  const nics = interfaces.filter((i) => i.kind === 'nic');
  const bridges = interfaces.filter((i) => i.kind === 'bridge');
  const unobservable = (stages: StageName[], reason: string): void => {
    for (const stage of stages) plan.unobservable.push({ stage, reason });
  };

  for (const port of vmPorts) plan.deviceStages.push(deviceStage('tap_rx', port), deviceStage('tap_tx', port));
  for (const tunnel of tunnels) plan.deviceStages.push(deviceStage('tunnel_tx', tunnel), deviceStage('tunnel_rx', tunnel));
  for (const nic of nics) plan.deviceStages.push(deviceStage('nic_tx', nic), deviceStage('nic_rx', nic));

  if (modules.has('openvswitch')) {
    const datapaths = new Set(interfaces.filter((i) => i.kind === 'ovs').map((i) => i.name));
    const ports = interfaces.filter((i) => i.master !== undefined && datapaths.has(i.master));
    if (ports.length > 0) {
      for (const stage of ['ovs_in', 'ovs_upcall', 'ovs_out'] as const) plan.functionStages.push(functionStage(stage, ports));
    } else {
      unobservable(['ovs_in', 'ovs_upcall', 'ovs_out'], 'openvswitch module loaded, but no Open vSwitch datapath port in this namespace');
    }
  } else {
    const linux = bridges.map((b) => b.name).join(', ');
    const reason = linux
      ? `no Open vSwitch datapath (openvswitch module not loaded); Linux bridge ${linux} forwards inside the tap_rx→tunnel_tx span and has no per-packet hook`
      : 'no Open vSwitch datapath (openvswitch module not loaded) and no bridge';
    unobservable(['ovs_in', 'ovs_upcall', 'ovs_out'], reason);
  }

  const vhostStages: StageName[] = ['vhost_tx', 'guest_kick', 'vhost_rx', 'kvm_irq'];
  if (!modules.has('vhost_net')) {
    unobservable(vhostStages, 'vhost_net module not loaded: VMs here use userspace virtio (QEMU without vhost) or are lab relays');
  } else if (vmPorts.length === 0) {
    unobservable(vhostStages, 'no VM tap on a bridge in this namespace');
  } else {
    for (const stage of ['vhost_tx', 'guest_kick', 'vhost_rx'] as const) plan.functionStages.push(functionStage(stage, vmPorts));
    if (modules.has('kvm')) plan.functionStages.push(functionStage('kvm_irq', vmPorts));
    else unobservable(['kvm_irq'], 'kvm module not loaded: no irqfd carries the vhost worker\'s interrupts');
  }

  if (vmPorts.length === 0) unobservable(['tap_rx', 'tap_tx'], 'no VM tap on a bridge in this namespace');
  if (tunnels.length === 0) unobservable(['tunnel_tx', 'tunnel_rx'], 'no VXLAN/Geneve device in this namespace');
  if (nics.length === 0) unobservable(['nic_tx', 'nic_rx'], 'no NIC found (no tunnel underlay device; pass --nic)');
  return plan;
}
