/**
 * Which agents a probe runs on: the agent that has seen --src and the one that has seen --dst
 * (one host when both are there), from the registry's heartbeats. An endpoint is an address or
 * a VM's name (proto vm-endpoint.ts): a name becomes the address of the VM the agents know by
 * it, and an address gets the name of its VM when one is known, so that reports name both.
 */
import { isIP } from 'node:net';
import { UsageError, XtraceError } from '@xtrace/proto';
import { bareAddress, type AgentRecord, type AgentRegistry } from './agent-registry.js';

export interface ProbeTargets {
  srcHost: string;
  dstHost: string;
  /** forward order: [srcHost, dstHost], or [host] for a same-host pair */
  hosts: string[];
  /** the endpoints' addresses (a name given resolved) */
  src: string;
  dst: string;
  /** the VMs' names ('' when no agent knows one) */
  srcVm: string;
  dstVm: string;
}

interface Endpoint {
  host: string;
  address: string;
  name: string;
}

/** The IP family of an address (undefined: not an address, e.g. a VM's name). */
const familyOf = (text: string): 4 | 6 | undefined => (isIP(text) === 4 ? 4 : isIP(text) === 6 ? 6 : undefined);

/** link-local IPv6 addresses are the same on every VM's link: never a VM's address for a probe */
const isLinkLocal = (a: string): boolean => /^fe[89ab][0-9a-f]:/i.test(a);

export class ProbeTargetResolver {
  constructor(private readonly registry: AgentRegistry) {}

  /**
   * Throws a UsageError naming the field (no agent saw the address, no VM has the name, the
   * name is ambiguous or has no usable address yet) or an 'agent' XtraceError (its agent is down).
   */
  resolve(src: string, dst: string): ProbeTargets {
    // a name takes the family of the address on the other side (IPv4 when both are names)
    const s = this.endpoint(src, 'src', familyOf(dst));
    const d = this.endpoint(dst, 'dst', familyOf(src) ?? (isIP(s.address) === 6 ? 6 : undefined));
    return { srcHost: s.host, dstHost: d.host, hosts: s.host === d.host ? [s.host] : [s.host, d.host], src: s.address, dst: d.address, srcVm: s.name, dstVm: d.name };
  }

  private endpoint(text: string, field: 'src' | 'dst', family: 4 | 6 | undefined): Endpoint {
    if (isIP(text) !== 0) {
      const host = this.agentOf(text, field).host;
      return { host, address: text, name: this.registry.vmNameOf(host, text) };
    }
    return this.byName(text, field, family);
  }

  /**
   * The address a history query's endpoint stands for: an address as it is, a VM's name as the
   * address its agent knows it by. Stored reports are kept by address, and the agent may be down
   * by now, so its state does not matter here. Throws a UsageError naming the field.
   */
  historyAddresses(src: string, dst: string): { src: string; dst: string } {
    const s = isIP(src) !== 0 ? src : this.byName(src, 'src', familyOf(dst), { anyState: true }).address;
    const d = isIP(dst) !== 0 ? dst : this.byName(dst, 'dst', familyOf(s), { anyState: true }).address;
    return { src: s, dst: d };
  }

  private byName(name: string, field: 'src' | 'dst', family: 4 | 6 | undefined, opts: { anyState?: boolean } = {}): Endpoint {
    const found = this.registry.findByName(name);
    const up = opts.anyState ? found : found.filter((f) => f.record.state === 'up');
    if (up.length === 0) {
      if (found.length > 0) {
        const r = found[0]!.record;
        throw new XtraceError('agent', `${field}: VM ${name} is on ${r.host}, whose agent is down (last heartbeat ${Math.round((Date.now() - r.lastSeenMs) / 1000)} s ago)`);
      }
      const known = this.registry.knownVmNames();
      throw new UsageError(field, `no agent knows a VM named '${name}'; known VM names: ${known.length > 0 ? known.join(', ') : '(none)'}`);
    }
    const hosts = [...new Set(up.map((f) => f.record.host))].sort();
    if (hosts.length > 1) {
      throw new UsageError(field, `VM name '${name}' is ambiguous: VMs of that name are on ${hosts.join(', ')} (${up.map((f) => `${f.record.host}/${f.vm.tap}: ${f.vm.addresses.map(bareAddress).join(' ') || 'no address yet'}`).join('; ')}); give the address instead`);
    }
    const host = hosts[0]!;
    const taps = up.map((f) => f.vm.tap).join(', ');
    // one VM may have several taps (NICs) on its host: all its addresses count
    const all = [...new Set(up.flatMap((f) => f.vm.addresses.map(bareAddress)))].filter((a) => isIP(a) !== 0 && !isLinkLocal(a));
    const want = family ?? (all.some((a) => isIP(a) === 4) ? 4 : 6);
    const usable = all.filter((a) => isIP(a) === want);
    if (usable.length === 0) {
      const what = all.length > 0 ? `no known IPv${want} address yet (it has ${all.join(', ')})` : 'no known address yet';
      throw new UsageError(field, `VM '${name}' (${host}/${taps}) has ${what}: agents learn a VM's addresses from its traffic; give the address instead`);
    }
    if (usable.length > 1) throw new UsageError(field, `VM '${name}' (${host}/${taps}) has several addresses (${usable.join(', ')}); give the one to probe`);
    return { host, address: usable[0]!, name };
  }

  private agentOf(address: string, field: 'src' | 'dst'): AgentRecord {
    const found = this.registry.findByAddress(address);
    const up = found.filter((r) => r.state === 'up');
    if (up.length > 0) return up[0]!;
    if (found.length > 0) {
      const r = found[0]!;
      throw new XtraceError('agent', `${field}: ${address} is on ${r.host}, whose agent is down (last heartbeat ${Math.round((Date.now() - r.lastSeenMs) / 1000)} s ago)`);
    }
    const known = this.registry.knownVms();
    throw new UsageError(field, `no agent has seen ${address}; known VMs: ${known.length > 0 ? known.join(', ') : '(none: no agent is up)'}`);
  }
}
