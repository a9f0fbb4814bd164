import { describe, expect, it } from 'vitest';
import { planStages } from './stage-plan.js';
import { testInterface } from '../testing/host-interface.js';

const iface = testInterface;

const hypervisor = [
  iface('lo', 1, 'loopback'),
  iface('eth0', 2, 'nic'),
  iface('br0', 3, 'bridge'),
  iface('vxlan0', 4, 'vxlan', 'br0'),
  iface('vnet0', 5, 'tap', 'br0'),
  iface('vnet1', 6, 'tap'), // not on a bridge: not a VM port
];
const modules = (...names: string[]) => ({ has: (n: string) => names.includes(n) });

describe('planStages', () => {
  it('maps VM taps, tunnels and NICs to their stages, with the Linux bridge explained', () => {
    const plan = planStages(hypervisor, modules('bridge', 'vxlan'));
    const got = plan.deviceStages.map((s) => `${s.stage}@${s.device.name}/${s.dir}`);
    expect(got).toEqual([
      'tap_rx@vnet0/ingress',
      'tap_tx@vnet0/egress',
      'tunnel_tx@vxlan0/egress',
      'tunnel_rx@vxlan0/ingress',
      'nic_tx@eth0/egress',
      'nic_rx@eth0/ingress',
    ]);
    const why = Object.fromEntries(plan.unobservable.map((u) => [u.stage, u.reason]));
    expect(why['ovs_in']).toMatch(/openvswitch module not loaded.*Linux bridge br0/);
    expect(why['vhost_tx']).toMatch(/vhost_net module not loaded/);
    expect(why['kvm_irq']).toMatch(/vhost_net module not loaded/);
    expect(why['guest_kick']).toMatch(/vhost_net module not loaded/);
    expect(plan.dropCandidates.map((c) => c.method)).toEqual(['tp_btf', 'tracepoint']);
  });

  it('puts the best hook first: fentry before tc for tap transmit, tcx before clsact before tracepoints', () => {
    const plan = planStages(hypervisor, modules());
    const tapTx = plan.deviceStages.find((s) => s.stage === 'tap_tx');
    expect(tapTx?.candidates.map((c) => c.method)).toEqual(['fentry', 'kprobe', 'tcx', 'clsact', 'tp_btf', 'tracepoint']);
    const nicRx = plan.deviceStages.find((s) => s.stage === 'nic_rx');
    expect(nicRx?.candidates.map((c) => c.method)).toEqual(['tcx', 'clsact', 'tp_btf', 'tracepoint']);
  });

  it('plans OVS stages at datapath functions (covering its ports) when the openvswitch module is loaded', () => {
    const ovs = [iface('ovs-system', 3, 'ovs'), iface('vnet0', 5, 'tap', 'ovs-system'), iface('eth0', 2, 'nic')];
    const plan = planStages(ovs, modules('openvswitch'));
    const stages = plan.functionStages.map((s) => `${s.stage}@${s.devices.map((d) => d.name).join(',')}`);
    expect(stages).toEqual(['ovs_in@vnet0', 'ovs_upcall@vnet0', 'ovs_out@vnet0']);
    // the tap that is an OVS port keeps its own device stages: the two do not share a map entry
    expect(plan.deviceStages.map((s) => s.stage)).toEqual(expect.arrayContaining(['tap_rx', 'tap_tx']));
    const upcall = plan.functionStages.find((s) => s.stage === 'ovs_upcall');
    expect(upcall?.candidates.map((c) => c.method)).toEqual(['fentry', 'kprobe', 'tracepoint']);
  });

  it('plans the vhost and interrupt stages on a host with vhost_net and kvm, each after the stage it needs', () => {
    const plan = planStages(hypervisor, modules('vhost_net', 'kvm'));
    expect(plan.functionStages.map((s) => `${s.stage}${s.needs ? `<${s.needs}` : ''}`)).toEqual([
      'vhost_tx<tap_rx',
      'guest_kick<vhost_tx',
      'vhost_rx',
      'kvm_irq<vhost_rx',
    ]);
    const irq = plan.functionStages.find((s) => s.stage === 'kvm_irq');
    expect(irq?.candidates.map((c) => `${c.method} ${c.program}`)).toEqual([
      'tracepoint xt_tp_kvm_msi_set_irq',
      'kprobe xt_kprobe_irqfd_wakeup',
      'fentry xt_fentry_irqfd_wakeup',
    ]);
    expect(irq?.candidates[0]?.companions?.map((c) => c.program)).toEqual([
      'xt_fentry_vhost_add_used_and_signal_n',
      'xt_kprobe_vhost_add_used_and_signal_n',
    ]);
    const noPorts = planStages(hypervisor, modules('openvswitch'));
    expect(noPorts.unobservable.find((u) => u.stage === 'ovs_in')?.reason).toMatch(/no Open vSwitch datapath port/);
    const noKvm = planStages(hypervisor, modules('vhost_net'));
    expect(noKvm.unobservable.find((u) => u.stage === 'kvm_irq')?.reason).toMatch(/kvm module not loaded/);
  });

  it('says why stages are missing on a host with no VMs or tunnels', () => {
    const plan = planStages([iface('lo', 1, 'loopback')], modules());
    const missing = plan.unobservable.map((u) => u.stage);
    expect(missing).toEqual(expect.arrayContaining(['tap_rx', 'tap_tx', 'tunnel_tx', 'tunnel_rx', 'nic_tx', 'nic_rx']));
  });
});
