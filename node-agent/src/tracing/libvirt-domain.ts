/**
 * What a libvirt domain XML says about its VM's network ports: the domain's `<name>` and, per
 * `<interface>`, its tap (`<target dev='vnet0'/>`, present in the live status files under
 * /run/libvirt/qemu once the domain runs) and the guest's MAC (`<mac address=.../>`, also in the
 * persistent definitions under /etc/libvirt/qemu). libvirt writes these files in a fixed,
 * simple form, so a small reader of the few elements needed suffices (no XML library): comments,
 * CDATA and `<metadata>` (where applications put XML of their own) are skipped first.
 * Pure: vm-name-discovery.ts reads the directories.
 */

export interface LibvirtInterface {
  /** the host-side device (tap); absent in a definition that is not running */
  tap?: string;
  /** the guest's MAC address, lower case */
  mac?: string;
}

export interface LibvirtDomain {
  name: string;
  interfaces: LibvirtInterface[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(Number.parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number.parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? whole;
  });
}

/** an attribute of the first `<tag .../>` (or `<tag ...>`) in `xml` */
function attribute(xml: string, tag: string, attr: string): string | undefined {
  const el = new RegExp(`<${tag}\\b([^>]*)>`).exec(xml);
  if (!el) return undefined;
  const m = new RegExp(`\\b${attr}\\s*=\\s*(?:'([^']*)'|"([^"]*)")`).exec(el[1] ?? '');
  if (!m) return undefined;
  return decodeEntities(m[1] ?? m[2] ?? '');
}

/**
 * Reads a domain definition (`<domain>`) or a live status file (`<domstatus>` holding the
 * `<domain>`); undefined when the text holds no domain with a name.
 */
export function parseLibvirtDomainXml(xml: string): LibvirtDomain | undefined {
  const clean = xml
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '')
    .replace(/<metadata\b[\s\S]*?<\/metadata>/g, '');
  const start = clean.search(/<domain\b/);
  if (start < 0) return undefined;
  const domain = clean.slice(start);
  const name = /<name>\s*([^<]*?)\s*<\/name>/.exec(domain)?.[1];
  if (name === undefined || name === '') return undefined;
  const interfaces: LibvirtInterface[] = [];
  for (const m of domain.matchAll(/<interface\b[^>]*>([\s\S]*?)<\/interface>/g)) {
    const body = m[1] ?? '';
    const entry: LibvirtInterface = {};
    const tap = attribute(body, 'target', 'dev');
    const mac = attribute(body, 'mac', 'address');
    if (tap !== undefined && tap !== '') entry.tap = tap;
    if (mac !== undefined && mac !== '') entry.mac = mac.toLowerCase();
    interfaces.push(entry);
  }
  return { name: decodeEntities(name), interfaces };
}

/**
 * Whether a tap's own MAC is the one libvirt gives the tap of a guest NIC with `guestMac`: the
 * guest's MAC with its first byte set to 0xfe (so the bridge never takes the tap's address for
 * its own); compared on the other five bytes.
 */
export function isLibvirtTapMac(tapMac: string, guestMac: string): boolean {
  const t = tapMac.toLowerCase().split(':');
  const g = guestMac.toLowerCase().split(':');
  return t.length === 6 && g.length === 6 && t[0] === 'fe' && t.slice(1).join(':') === g.slice(1).join(':');
}
