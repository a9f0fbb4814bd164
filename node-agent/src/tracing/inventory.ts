/**
 * Discovers the agent's scope: the network devices of its own namespace and the role each
 * plays on the VM path (VM tap, bridge/OVS, tunnel, NIC). Reads iproute2's JSON output.
 */
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { promisify } from 'node:util';
import { XtraceError } from '@xtrace/proto';
import type { HostInterface, InterfaceKind } from './tracer-api.js';

const run = promisify(execFile);

interface IpLink {
  ifindex: number;
  ifname: string;
  address?: string;
  master?: string;
  link_type?: string;
  linkinfo?: { info_kind?: string; info_slave_kind?: string; info_data?: Record<string, unknown> };
}

interface IpAddr {
  ifname: string;
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

interface IpFdb {
  ifname?: string;
  dst?: string;
}

interface DiscoveredScope {
  netns: number;
  interfaces: HostInterface[];
}

export interface ScopeOptions {
  /** devices that are the host's NICs (default: the underlay devices of the tunnels) */
  nics?: string[];
  /** extra devices to treat as VM ports (veth-attached containers or VMs) */
  vmPorts?: string[];
}

/** The inode of the current network namespace: what BPF sees as net->ns.inum. */
function currentNetns(): number {
  return statSync('/proc/self/ns/net').ino;
}

async function ipJson<T>(args: string[]): Promise<T> {
  try {
    const { stdout } = await run(args[0] ?? 'ip', args.slice(1), { maxBuffer: 16 << 20 });
    return (stdout.trim() ? JSON.parse(stdout) : []) as T;
  } catch (e: unknown) {
    throw new XtraceError('internal', `inventory: '${args.join(' ')}' failed`, { cause: e });
  }
}

function kindOf(link: IpLink): InterfaceKind {
  const kind = link.linkinfo?.info_kind;
  if (link.link_type === 'loopback') return 'loopback';
  if (kind === 'tun' && link.linkinfo?.info_data?.['type'] === 'tap') return 'tap';
  if (kind === 'bridge') return 'bridge';
  if (kind === 'openvswitch') return 'ovs';
  if (kind === 'vxlan') return 'vxlan';
  if (kind === 'geneve') return 'geneve';
  if (kind === 'veth') return 'veth';
  if (!kind) return 'nic';
  return 'other';
}

/**
 * Remote endpoints of Open vSwitch tunnel ports (`options:remote_ip`): OVS drives one
 * flow-based device (vxlan_sys_4789, genev_sys_6081) for all of them, which names no remote
 * itself. None when OVS is not installed or not running.
 */
async function ovsTunnelRemotes(): Promise<string[]> {
  try {
    const { stdout } = await run('ovs-vsctl', ['--timeout=5', '--format=json', '--columns=options', 'list', 'Interface'], { maxBuffer: 16 << 20 });
    const table = JSON.parse(stdout) as { data?: unknown[][] };
    const remotes: string[] = [];
    for (const [options] of table.data ?? []) {
      // an OVSDB map: ["map", [[key, value], ...]]
      const pairs = Array.isArray(options) && options[0] === 'map' && Array.isArray(options[1]) ? (options[1] as unknown[]) : [];
      for (const pair of pairs) {
        if (Array.isArray(pair) && pair[0] === 'remote_ip' && typeof pair[1] === 'string' && pair[1] !== 'flow') remotes.push(pair[1]);
      }
    }
    return remotes;
  } catch {
    return [];
  }
}

/** Addresses that the tunnels send to: their underlay next hops decide which device is the NIC. */
async function tunnelUnderlayDevices(links: IpLink[]): Promise<Set<string>> {
  const byIndex = new Map(links.map((l) => [l.ifindex, l.ifname]));
  const devices = new Set<string>();
  const remotes = new Set<string>();
  for (const link of links) {
    const kind = kindOf(link);
    if (kind !== 'vxlan' && kind !== 'geneve') continue;
    const data = link.linkinfo?.info_data ?? {};
    const lower = data['link'];
    if (typeof lower === 'number' && byIndex.has(lower)) devices.add(byIndex.get(lower) as string);
    if (typeof lower === 'string') devices.add(lower);
    for (const key of ['remote', 'remote6', 'group', 'group6']) {
      const value = data[key];
      if (typeof value === 'string') remotes.add(value);
    }
    if (kind === 'vxlan') {
      const fdb = await ipJson<IpFdb[]>(['bridge', '-j', 'fdb', 'show', 'dev', link.ifname]);
      for (const entry of fdb) if (entry.dst) remotes.add(entry.dst);
    }
    if (data['external'] === true && link.master !== undefined) for (const remote of await ovsTunnelRemotes()) remotes.add(remote);
  }
  for (const remote of remotes) {
    const routes = await ipJson<{ dev?: string }[]>(['ip', '-j', 'route', 'get', remote]).catch(() => []);
    for (const route of routes) if (route.dev) devices.add(route.dev);
  }
  return devices;
}

export async function discoverScope(options: ScopeOptions = {}): Promise<DiscoveredScope> {
  const links = await ipJson<IpLink[]>(['ip', '-j', '-d', 'link', 'show']);
  const addrs = await ipJson<IpAddr[]>(['ip', '-j', 'addr', 'show']);
  const addrsOf = new Map(
    addrs.map((a) => [a.ifname, (a.addr_info ?? []).map((i) => `${i.local}/${i.prefixlen}`)]),
  );
  const underlay = options.nics ? new Set(options.nics) : await tunnelUnderlayDevices(links);
  const vmPorts = new Set(options.vmPorts ?? []);

  const interfaces = links.map((link): HostInterface => {
    let kind = kindOf(link);
    // A device that carries the overlay is the host's NIC, whatever its driver (veth, tap in a lab).
    if (underlay.has(link.ifname)) kind = 'nic';
    else if (vmPorts.has(link.ifname)) kind = 'tap';
    else if (kind === 'nic' && link.master) kind = 'other';
    const entry: HostInterface = {
      name: link.ifname,
      ifindex: link.ifindex,
      kind,
      mac: link.address ?? '',
      addresses: addrsOf.get(link.ifname) ?? [],
    };
    if (link.master) entry.master = link.master;
    return entry;
  });
  return { netns: currentNetns(), interfaces };
}

/** A VM port: a tap (or named VM port) enslaved to a bridge or OVS. */
export function isVmPort(iface: HostInterface): boolean {
  return iface.kind === 'tap' && iface.master !== undefined;
}
