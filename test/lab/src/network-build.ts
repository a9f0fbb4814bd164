/**
 * Makes a lab's network on the machine (test/lab/README.md "Topology"): the namespaces, the
 * management veths from the root namespace, each hypervisor's NIC, bridge, VXLAN and VM taps
 * with static forwarding and neighbours, each VM's tap, the wire bridge, and offloads off on
 * veths. The relays that join the taps are started afterwards (relay-control.ts); the bridges
 * forward once they are (waitBridgesForwarding).
 */
import { LabError } from './errors.js';
import {
  HOST_BRIDGE,
  HOST_MGMT,
  HOST_NIC,
  HOST_VXLAN,
  NIC_MTU,
  VM_IFACE,
  VM_MTU,
  VXLAN_PORT,
  VXLAN_VNI,
  WIRE_BRIDGE,
  hostNs,
  hostTap,
  mgmtHostIp,
  mgmtRootIp,
  mgmtRootLink,
  nicMac,
  underlayIp,
  vmIp,
  vmMac,
  vmNs,
  wireNs,
  wirePort,
} from './names.js';
import { inNs, ipBatch, run, sleep, type RunResult } from './shell.js';
import { hostWireMode } from './spec.js';
import { labNamespaces, type LabLayout } from './topology.js';

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
 * Builds every namespace and link of the lab. Returns how offloads were handled when the spec
 * asks to disable them (undefined otherwise: they stay unchanged).
 */
export async function buildNetwork(lab: LabLayout): Promise<string | undefined> {
  const { id, slot, spec } = lab;
  const H = spec.hosts;
  const allNs = labNamespaces(lab);
  await ipBatch(null, allNs.map((n) => `netns add ${n}`));
  await Promise.all(allNs.map((n) => run(inNs(n, ['sysctl', '-q', '-e', '-w', ...NS_SYSCTLS]))));

  const W = wireNs(id);
  await ipBatch(W, ['link set lo up', `link add ${WIRE_BRIDGE} type bridge stp_state 0 mcast_snooping 0`, `link set ${WIRE_BRIDGE} up`]);

  // root side: management veths (+ veth wires), created from the root namespace
  const root: string[] = [];
  for (let i = 0; i < H; i++) {
    const h = hostNs(id, i);
    const ml = mgmtRootLink(id, i);
    root.push(`link add ${ml} type veth peer name ${HOST_MGMT} netns ${h}`);
    root.push(`addr add ${mgmtRootIp(slot, i)}/30 dev ${ml}`);
    root.push(`link set ${ml} up`);
    if (hostWireMode(spec.wireMode, i) === 'veth') root.push(`link add ${HOST_NIC} netns ${h} type veth peer name ${wirePort(i)} netns ${W}`);
  }
  await ipBatch(null, root);

  const wireLines: string[] = [];
  const wireFdb: string[] = [];
  for (let i = 0; i < H; i++) {
    const wire = hostWireMode(spec.wireMode, i);
    if (spec.wireMode !== 'direct') {
      if (wire === 'relay') wireLines.push(`tuntap add dev ${wirePort(i)} mode tap`);
      wireLines.push(`link set ${wirePort(i)} mtu ${NIC_MTU} master ${WIRE_BRIDGE} up`);
      wireFdb.push(`fdb replace ${nicMac(slot, i)} dev ${wirePort(i)} master static`);
    }
    const h = hostNs(id, i);
    await ipBatch(h, hostLinkLines(lab, i));
    const fdb = hostFdbLines(lab, i);
    if (fdb.length) await run(['bridge', '-n', h, '-batch', '-'], { input: fdb.join('\n') + '\n' });
    for (let j = 0; j < spec.vmsPerHost; j++) await ipBatch(vmNs(id, i, j), vmLinkLines(lab, i, j));
  }
  if (wireLines.length) await ipBatch(W, wireLines);
  if (wireFdb.length) await run(['bridge', '-n', W, '-batch', '-'], { input: wireFdb.join('\n') + '\n' });

  return spec.disableOffloads ? disableVethOffloads(lab) : undefined;
}

/** Host i's NIC (tap, or veth made from the root side), management address, br0, vxlan0, VM taps and underlay neighbours. */
function hostLinkLines(lab: LabLayout, i: number): string[] {
  const { slot, spec } = lab;
  const hl: string[] = ['link set lo up'];
  if (hostWireMode(spec.wireMode, i) !== 'veth') hl.push(`tuntap add dev ${HOST_NIC} mode tap`);
  hl.push(`link set ${HOST_NIC} address ${nicMac(slot, i)} mtu ${NIC_MTU} up`);
  hl.push(`addr add ${underlayIp(slot, i)}/24 dev ${HOST_NIC}`);
  hl.push(`addr add ${mgmtHostIp(slot, i)}/30 dev ${HOST_MGMT}`);
  hl.push(`link set ${HOST_MGMT} up`);
  hl.push(`link add ${HOST_BRIDGE} type bridge stp_state 0 mcast_snooping 0`);
  hl.push(`link set ${HOST_BRIDGE} mtu ${VM_MTU} up`);
  hl.push(`link add ${HOST_VXLAN} type vxlan id ${VXLAN_VNI} local ${underlayIp(slot, i)} dev ${HOST_NIC} dstport ${VXLAN_PORT} nolearning`);
  hl.push(`link set ${HOST_VXLAN} mtu ${VM_MTU} master ${HOST_BRIDGE} up`);
  for (let j = 0; j < spec.vmsPerHost; j++) {
    hl.push(`tuntap add dev ${hostTap(j)} mode tap`);
    hl.push(`link set ${hostTap(j)} mtu ${VM_MTU} master ${HOST_BRIDGE} up`);
  }
  for (let k = 0; k < spec.hosts; k++) {
    if (k !== i) hl.push(`neigh replace ${underlayIp(slot, k)} lladdr ${nicMac(slot, k)} dev ${HOST_NIC} nud permanent`);
  }
  return hl;
}

/** Static forwarding everywhere: no flooding, no learning surprises, 1:1 frames on the path. */
function hostFdbLines(lab: LabLayout, i: number): string[] {
  const { slot, spec } = lab;
  const M = spec.vmsPerHost;
  const fdb: string[] = [];
  for (let k = 0; k < spec.hosts; k++) {
    if (k === i) continue;
    fdb.push(`fdb append 00:00:00:00:00:00 dev ${HOST_VXLAN} dst ${underlayIp(slot, k)}`);
    for (let j = 0; j < M; j++) {
      fdb.push(`fdb replace ${vmMac(slot, k, j)} dev ${HOST_VXLAN} dst ${underlayIp(slot, k)}`);
      fdb.push(`fdb replace ${vmMac(slot, k, j)} dev ${HOST_VXLAN} master static`);
    }
  }
  for (let j = 0; j < M; j++) fdb.push(`fdb replace ${vmMac(slot, i, j)} dev ${hostTap(j)} master static`);
  return fdb;
}

/** VM (i, j)'s tap with its address and a permanent neighbour for every other VM. */
function vmLinkLines(lab: LabLayout, i: number, j: number): string[] {
  const { slot, spec } = lab;
  const vl = [
    'link set lo up',
    `tuntap add dev ${VM_IFACE} mode tap`,
    `link set ${VM_IFACE} address ${vmMac(slot, i, j)} mtu ${VM_MTU} up`,
    `addr add ${vmIp(slot, i, j)}/24 dev ${VM_IFACE}`,
  ];
  for (let k = 0; k < spec.hosts; k++)
    for (let l = 0; l < spec.vmsPerHost; l++)
      if (k !== i || l !== j) vl.push(`neigh replace ${vmIp(slot, k, l)} lladdr ${vmMac(slot, k, l)} dev ${VM_IFACE} nud permanent`);
  return vl;
}

async function hasEthtool(): Promise<boolean> {
  const r = await run(['sh', '-c', 'command -v ethtool'], { allowFail: true });
  return r.code === 0;
}

/** Keeps packets 1:1 along the path: no TSO/GSO/GRO on veths (taps have none without IFF_VNET_HDR). */
async function disableVethOffloads(lab: LabLayout): Promise<string> {
  if (!(await hasEthtool())) return 'unchanged (ethtool not installed)';
  const { id, spec } = lab;
  const W = wireNs(id);
  const jobs: Array<Promise<RunResult>> = [];
  const off = ['tso', 'off', 'gso', 'off', 'gro', 'off'];
  for (let i = 0; i < spec.hosts; i++) {
    const h = hostNs(id, i);
    jobs.push(run(['ethtool', '-K', mgmtRootLink(id, i), ...off], { allowFail: true }));
    jobs.push(run(inNs(h, ['ethtool', '-K', HOST_MGMT, ...off]), { allowFail: true }));
    if (hostWireMode(spec.wireMode, i) === 'veth') {
      jobs.push(run(inNs(h, ['ethtool', '-K', HOST_NIC, ...off]), { allowFail: true }));
      jobs.push(run(inNs(W, ['ethtool', '-K', wirePort(i), ...off]), { allowFail: true }));
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
