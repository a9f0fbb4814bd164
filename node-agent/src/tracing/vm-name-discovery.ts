/**
 * Names the VMs behind the agent's VM taps, from what the hypervisor already keeps:
 *
 * 1. libvirt's domain files (live status under /run/libvirt/qemu, definitions under
 *    /etc/libvirt/qemu; libvirt-domain.ts): an `<interface>` whose `<target dev=.../>` is the tap;
 * 2. the QEMU process holding the tap (qemu-cmdline.ts): its `-name`, and the tap either in an
 *    open /dev/net/tun descriptor (/proc/PID/fdinfo `iff:`) or named by `ifname=` on its
 *    command line. Only processes in the agent's network namespace count: a tap name means
 *    something only there (two lab hypervisors on one machine both have a `vnet0`), and QEMU
 *    creates a tap it names in its own namespace;
 * 3. a libvirt `<interface>` without a target whose guest MAC is the tap's (libvirt's fe:… tap
 *    MAC, isLibvirtTapMac).
 *
 * The first that names a tap wins; a name longer than MAX_VM_NAME_CHARS is dropped. Everything is read again on each call (the agent calls it
 * with every inventory, each heartbeat): a VM started, renamed or moved shows at once. Reads
 * that fail (no libvirt, a process that exited meanwhile, no permission) are skipped.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_VM_NAME_CHARS } from '@xtrace/proto';
import { isLibvirtTapMac, parseLibvirtDomainXml, type LibvirtDomain } from './libvirt-domain.js';
import { parseQemuCmdline, parseTunFdinfo, splitCmdline } from './qemu-cmdline.js';

export type VmNameSource = 'libvirt' | 'qemu';

export interface VmName {
  name: string;
  /** where the name came from: a libvirt domain file, or the QEMU process holding the tap */
  source: VmNameSource;
}

export interface VmNameDiscoveryOptions {
  /** the agent's network namespace inode (/proc/self/ns/net) */
  netns: number;
  /** directories of libvirt domain XML files (default DEFAULT_LIBVIRT_DIRS, env XTRACE_LIBVIRT_DIRS) */
  libvirtDirs?: readonly string[];
  /** the proc filesystem (default /proc; tests point it at a fixture tree) */
  procRoot?: string;
}

export const DEFAULT_LIBVIRT_DIRS: readonly string[] = ['/run/libvirt/qemu', '/etc/libvirt/qemu'];

/** XTRACE_LIBVIRT_DIRS=dir1:dir2 replaces the default libvirt directories (a test's temp dir, another libvirt root) */
export function libvirtDirsFromEnv(value = process.env['XTRACE_LIBVIRT_DIRS']): readonly string[] {
  if (value === undefined || value.trim() === '') return DEFAULT_LIBVIRT_DIRS;
  return value.split(':').map((d) => d.trim()).filter((d) => d !== '');
}

function tryRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function tryList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function tryReadlink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

function libvirtDomains(dirs: readonly string[]): LibvirtDomain[] {
  const out: LibvirtDomain[] = [];
  for (const dir of dirs) {
    for (const file of tryList(dir).filter((f) => f.endsWith('.xml')).sort()) {
      const xml = tryRead(join(dir, file));
      const domain = xml === undefined ? undefined : parseLibvirtDomainXml(xml);
      if (domain !== undefined) out.push(domain);
    }
  }
  return out;
}

/** tap -> VM name of every process in namespace `netns` with a QEMU `-name` */
function qemuProcessTaps(procRoot: string, netns: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const pid of tryList(procRoot)) {
    if (!/^\d+$/.test(pid)) continue;
    const raw = tryRead(join(procRoot, pid, 'cmdline'));
    // cheap test first: most processes have no -name argument
    if (raw === undefined || !/(^|\0)--?name(\0|=)/.test(raw)) continue;
    const cmd = parseQemuCmdline(splitCmdline(raw));
    if (cmd.name === undefined) continue;
    if (tryReadlink(join(procRoot, pid, 'ns', 'net')) !== `net:[${netns}]`) continue;
    const taps = new Set(cmd.taps);
    const fdDir = join(procRoot, pid, 'fd');
    for (const fd of tryList(fdDir)) {
      if (tryReadlink(join(fdDir, fd)) !== '/dev/net/tun') continue;
      const tap = parseTunFdinfo(tryRead(join(procRoot, pid, 'fdinfo', fd)) ?? '');
      if (tap !== undefined) taps.add(tap);
    }
    for (const tap of taps) if (!out.has(tap)) out.set(tap, cmd.name);
  }
  return out;
}

/** The names of the VMs behind `taps` (name and own MAC of each), by tap; taps without one are absent. */
export function discoverVmNames(taps: readonly { name: string; mac: string }[], opts: VmNameDiscoveryOptions): Map<string, VmName> {
  const out = new Map<string, VmName>();
  if (taps.length === 0) return out;
  const domains = libvirtDomains(opts.libvirtDirs ?? libvirtDirsFromEnv());
  for (const d of domains) {
    for (const i of d.interfaces) {
      if (i.tap !== undefined && taps.some((t) => t.name === i.tap) && !out.has(i.tap)) out.set(i.tap, { name: d.name, source: 'libvirt' });
    }
  }
  if (out.size < taps.length) {
    for (const [tap, name] of qemuProcessTaps(opts.procRoot ?? '/proc', opts.netns)) {
      if (taps.some((t) => t.name === tap) && !out.has(tap)) out.set(tap, { name, source: 'qemu' });
    }
  }
  for (const t of taps) {
    if (out.has(t.name) || t.mac === '') continue;
    const d = domains.find((dom) => dom.interfaces.some((i) => i.tap === undefined && i.mac !== undefined && isLibvirtTapMac(t.mac, i.mac)));
    if (d !== undefined) out.set(t.name, { name: d.name, source: 'libvirt' });
  }
  // the registry refuses a heartbeat with a longer name (proto agent-status.ts): such a VM stays unnamed
  for (const [tap, n] of out) if (n.name.length > MAX_VM_NAME_CHARS) out.delete(tap);
  return out;
}
