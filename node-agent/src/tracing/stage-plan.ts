/**
 * Which stages this host can observe on which devices, before any hook is tried. Pure:
 * it reads the discovered scope and the kernel's modules, so it is unit-tested on fixtures.
 */
import type { StageName } from '@xtrace/proto';
import { DEVICE_STAGE_HOOKS, DROP_CANDIDATES, type HookCandidate } from './hook-candidates.js';
import { isVmPort } from './inventory.js';
import type { HostInterface } from './tracer-api.js';

export interface DeviceStage {
  stage: StageName;
  device: HostInterface;
  dir: 'ingress' | 'egress';
  candidates: HookCandidate[];
}

export interface StagePlan {
  deviceStages: DeviceStage[];
  dropCandidates: HookCandidate[];
  /** stages with nothing to attach to, and why */
  unobservable: { stage: StageName; reason: string }[];
}

export interface KernelModules {
  has(name: string): boolean;
}

function deviceStage(stage: StageName, device: HostInterface): DeviceStage {
  const hooks = DEVICE_STAGE_HOOKS[stage];
  if (!hooks) throw new Error(`no hooks defined for stage ${stage}`);
  return { stage, device, dir: hooks.dir, candidates: hooks.candidates };
}

export function planStages(interfaces: HostInterface[], modules: KernelModules): StagePlan {
  const plan: StagePlan = { deviceStages: [], dropCandidates: DROP_CANDIDATES, unobservable: [] };
  const vmPorts = interfaces.filter(isVmPort);
  const tunnels = interfaces.filter((i) => i.kind === 'vxlan' || i.kind === 'geneve');
  const nics = interfaces.filter((i) => i.kind === 'nic');
  const bridges = interfaces.filter((i) => i.kind === 'bridge');

  for (const port of vmPorts) plan.deviceStages.push(deviceStage('tap_rx', port), deviceStage('tap_tx', port));
  for (const tunnel of tunnels) plan.deviceStages.push(deviceStage('tunnel_tx', tunnel), deviceStage('tunnel_rx', tunnel));
  for (const nic of nics) plan.deviceStages.push(deviceStage('nic_tx', nic), deviceStage('nic_rx', nic));

  if (modules.has('openvswitch')) {
    const datapaths = new Set(interfaces.filter((i) => i.kind === 'ovs').map((i) => i.name));
    for (const port of interfaces.filter((i) => i.master !== undefined && datapaths.has(i.master))) {
      plan.deviceStages.push(deviceStage('ovs_in', port), deviceStage('ovs_out', port));
    }
  } else {
    const linux = bridges.map((b) => b.name).join(', ');
    const reason = linux
      ? `no Open vSwitch datapath (openvswitch module not loaded); Linux bridge ${linux} forwards inside the tap_rx→tunnel_tx span and has no per-packet hook`
      : 'no Open vSwitch datapath (openvswitch module not loaded) and no bridge';
    plan.unobservable.push({ stage: 'ovs_in', reason }, { stage: 'ovs_out', reason });
  }

  const vhostReason = modules.has('vhost_net')
    ? 'vhost-net works on guest buffers; packet identity at vhost is not implemented yet (the tap stages bound it)'
    : 'vhost_net module not loaded: VMs here use userspace virtio (QEMU without vhost) or are lab relays';
  plan.unobservable.push({ stage: 'vhost_tx', reason: vhostReason }, { stage: 'vhost_rx', reason: vhostReason });
  plan.unobservable.push({
    stage: 'kvm_irq',
    reason: modules.has('kvm')
      ? 'interrupt injection carries no packet identity; correlation by time is not implemented yet'
      : 'kvm module not loaded',
  });
  if (vmPorts.length === 0) {
    const reason = 'no VM tap on a bridge in this namespace';
    plan.unobservable.push({ stage: 'tap_rx', reason }, { stage: 'tap_tx', reason });
  }
  if (tunnels.length === 0) {
    const reason = 'no VXLAN/Geneve device in this namespace';
    plan.unobservable.push({ stage: 'tunnel_tx', reason }, { stage: 'tunnel_rx', reason });
  }
  if (nics.length === 0) {
    const reason = 'no NIC found (no tunnel underlay device; pass --nic)';
    plan.unobservable.push({ stage: 'nic_tx', reason }, { stage: 'nic_rx', reason });
  }
  return plan;
}
