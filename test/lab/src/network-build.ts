/**
 * Makes a lab's network on the machine (test/lab/README.md "Topology"): the namespaces, the
 * management veths from the root namespace, each hypervisor's NIC, bridge, VXLAN and VM taps
 * with static forwarding and neighbours, each VM's tap, the wire bridge, and offloads off on
 * veths. The relays that join the taps are started afterwards (relay-control.ts); the bridges
 * forward once they are (waitBridgesForwarding).
 */
import { LabError } from './errors.js';
import { NIC_MTU, VM_MTU, VXLAN_PORT, VXLAN_VNI, WIRE_BRIDGE, wireNs, wirePort } from './names.js';
import { inNs, ipBatch, run, sleep, type RunResult } from './shell.js';
import { hostWireMode } from './spec.js';
import { hostInfos, labNamespaces, type HostInfo, type LabLayout, type VmInfo } from './topology.js';

// No IPv6 anywhere in the lab (no ND/MLD/RS noise on the traced path), and no netfilter on
// the bridges when br_netfilter is loaded on the machine (it drops veth-bridged VXLAN).
const NS_SYSCTLS = [
  'net.ipv6.conf.all.disable_ipv6=1',
  'net.ipv6.conf.default.disable_ipv6=1',
  'net.bridge.bridge-nf-call-iptables=0',
  'net.bridge.bridge-nf-call-ip6tables=0',
  'net.bridge.bridge-nf-call-arptables=0',
];

/**
 * Builds every namespace and link of the lab, named as its topology (topology.ts) says.
 * Returns how offloads were handled when the spec asks to disable them (undefined otherwise:
 * they stay unchanged).
 */
export async function buildNetwork(lab: LabLayout): Promise<string | undefined> {
  const { id, spec } = lab;
  const hosts = hostInfos(lab);
  const allNs = labNamespaces(lab);
  await ipBatch(null, allNs.map((n) => `netns add ${n}`));
  await Promise.all(allNs.map((n) => run(inNs(n, ['sysctl', '-q', '-e', '-w', ...NS_SYSCTLS]))));

  const W = wireNs(id);
  await ipBatch(W, ['link set lo up', `link add ${WIRE_BRIDGE} type bridge stp_state 0 mcast_snooping 0`, `link set ${WIRE_BRIDGE} up`]);

  // root side: management veths (+ veth wires), created from the root namespace
  const root: string[] = [];
  for (const h of hosts) {
    root.push(`link add ${h.mgmtRootLink} type veth peer name ${h.mgmtIface} netns ${h.ns}`);
    root.push(`addr add ${h.mgmtRootIp}/30 dev ${h.mgmtRootLink}`);
    root.push(`link set ${h.mgmtRootLink} up`);
    if (hostWireMode(spec.wireMode, h.index) === 'veth') root.push(`link add ${h.nic} netns ${h.ns} type veth peer name ${wirePort(h.index)} netns ${W}`);
  }
  await ipBatch(null, root);

  const wireLines: string[] = [];
  const wireFdb: string[] = [];
  for (const h of hosts) {
    const wire = hostWireMode(spec.wireMode, h.index);
    if (spec.wireMode !== 'direct') {
      if (wire === 'relay') wireLines.push(`tuntap add dev ${wirePort(h.index)} mode tap`);
      wireLines.push(`link set ${wirePort(h.index)} mtu ${NIC_MTU} master ${WIRE_BRIDGE} up`);
      wireFdb.push(`fdb replace ${h.nicMac} dev ${wirePort(h.index)} master static`);
    }
    await ipBatch(h.ns, hostLinkLines(lab, hosts, h));
    const fdb = hostFdbLines(hosts, h);
    if (fdb.length) await run(['bridge', '-n', h.ns, '-batch', '-'], { input: fdb.join('\n') + '\n' });
    for (const vm of h.vms) await ipBatch(vm.ns, vmLinkLines(hosts, vm));
  }
  if (wireLines.length) await ipBatch(W, wireLines);
  if (wireFdb.length) await run(['bridge', '-n', W, '-batch', '-'], { input: wireFdb.join('\n') + '\n' });

  return spec.disableOffloads ? disableVethOffloads(lab, hosts) : undefined;
}

/** Host h's NIC (tap, or veth made from the root side), management address, br0, vxlan0, VM taps and underlay neighbours. */
function hostLinkLines(lab: LabLayout, hosts: readonly HostInfo[], h: HostInfo): string[] {
  const hl: string[] = ['link set lo up'];
  if (hostWireMode(lab.spec.wireMode, h.index) !== 'veth') hl.push(`tuntap add dev ${h.nic} mode tap`);
  hl.push(`link set ${h.nic} address ${h.nicMac} mtu ${NIC_MTU} up`);
  hl.push(`addr add ${h.underlayIp}/24 dev ${h.nic}`);
  hl.push(`addr add ${h.mgmtHostIp}/30 dev ${h.mgmtIface}`);
  hl.push(`link set ${h.mgmtIface} up`);
  hl.push(`link add ${h.bridge} type bridge stp_state 0 mcast_snooping 0`);
  hl.push(`link set ${h.bridge} mtu ${VM_MTU} up`);
  hl.push(`link add ${h.vxlan} type vxlan id ${VXLAN_VNI} local ${h.underlayIp} dev ${h.nic} dstport ${VXLAN_PORT} nolearning`);
  hl.push(`link set ${h.vxlan} mtu ${VM_MTU} master ${h.bridge} up`);
  for (const vm of h.vms) {
    hl.push(`tuntap add dev ${vm.hostTap} mode tap`);
    hl.push(`link set ${vm.hostTap} mtu ${VM_MTU} master ${h.bridge} up`);
  }
  for (const o of hosts) {
    if (o !== h) hl.push(`neigh replace ${o.underlayIp} lladdr ${o.nicMac} dev ${h.nic} nud permanent`);
  }
  return hl;
}

/** Static forwarding everywhere: no flooding, no learning surprises, 1:1 frames on the path. */
function hostFdbLines(hosts: readonly HostInfo[], h: HostInfo): string[] {
  const fdb: string[] = [];
  for (const o of hosts) {
    if (o === h) continue;
    fdb.push(`fdb append 00:00:00:00:00:00 dev ${h.vxlan} dst ${o.underlayIp}`);
    for (const vm of o.vms) {
      fdb.push(`fdb replace ${vm.mac} dev ${h.vxlan} dst ${o.underlayIp}`);
      fdb.push(`fdb replace ${vm.mac} dev ${h.vxlan} master static`);
    }
  }
  for (const vm of h.vms) fdb.push(`fdb replace ${vm.mac} dev ${vm.hostTap} master static`);
  return fdb;
}

/** A VM's tap with its address and a permanent neighbour for every other VM. */
function vmLinkLines(hosts: readonly HostInfo[], vm: VmInfo): string[] {
  const vl = [
    'link set lo up',
    `tuntap add dev ${vm.iface} mode tap`,
    `link set ${vm.iface} address ${vm.mac} mtu ${VM_MTU} up`,
    `addr add ${vm.ip}/24 dev ${vm.iface}`,
  ];
  for (const o of hosts)
    for (const other of o.vms)
      if (other.ns !== vm.ns) vl.push(`neigh replace ${other.ip} lladdr ${other.mac} dev ${vm.iface} nud permanent`);
  return vl;
}

async function hasEthtool(): Promise<boolean> {
  const r = await run(['sh', '-c', 'command -v ethtool'], { allowFail: true });
  return r.code === 0;
}

/** Keeps packets 1:1 along the path: no TSO/GSO/GRO on veths (taps have none without IFF_VNET_HDR). */
async function disableVethOffloads(lab: LabLayout, hosts: readonly HostInfo[]): Promise<string> {
  if (!(await hasEthtool())) return 'unchanged (ethtool not installed)';
  const { id, spec } = lab;
  const W = wireNs(id);
  const jobs: Array<Promise<RunResult>> = [];
  const off = ['tso', 'off', 'gso', 'off', 'gro', 'off'];
  for (const h of hosts) {
    jobs.push(run(['ethtool', '-K', h.mgmtRootLink, ...off], { allowFail: true }));
    jobs.push(run(inNs(h.ns, ['ethtool', '-K', h.mgmtIface, ...off]), { allowFail: true }));
    if (hostWireMode(spec.wireMode, h.index) === 'veth') {
      jobs.push(run(inNs(h.ns, ['ethtool', '-K', h.nic, ...off]), { allowFail: true }));
      jobs.push(run(inNs(W, ['ethtool', '-K', wirePort(h.index), ...off]), { allowFail: true }));
    }
  }
  const res = await Promise.all(jobs);
  const bad = res.filter((r) => r.code !== 0).length;
  return bad ? `ethtool (${bad} of ${res.length} calls failed)` : 'ethtool: tso/gso/gro off on veths';
}

/**
 * Waits until every port of the bridges in `nss` has carrier and forwards (carrier changes
 * reach the bridge through linkwatch, up to ~1 s after a veth or tap comes up).
 */
export async function waitBridgesForwarding(nss: readonly string[], timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const ns of nss) {
    for (;;) {
      const r = await run(['bridge', '-n', ns, '-j', 'link', 'show']);
      const ports = r.stdout.trim() ? (JSON.parse(r.stdout) as Array<{ ifname: string; flags: string[]; state?: string }>) : [];
      const waiting = ports.filter((p) => p.state !== 'forwarding' || p.flags.includes('NO-CARRIER'));
      if (waiting.length === 0) break;
      if (Date.now() > deadline) {
        throw new LabError(`bridge ports in ${ns} not forwarding after ${timeoutMs} ms: ${waiting.map((p) => `${p.ifname}=${p.state ?? '?'}`).join(', ')}`);
      }
      await sleep(10);
    }
  }
}
