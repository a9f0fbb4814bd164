/**
 * What a QEMU process's command line says about its VM: the guest's name (`-name guest=NAME,...`,
 * or the older `-name NAME[,process=...]`) and the taps it opened by name (`-netdev tap,ifname=T`,
 * `-netdev {"type":"tap","ifname":"T",...}`, `-nic tap,ifname=T`, `-net tap,ifname=T`). A tap
 * QEMU got as a file descriptor from libvirt (`fd=25`) has no name here: its owner shows it in
 * /proc/PID/fdinfo (`iff:` lines, parseTunFdinfo). Pure: vm-name-discovery.ts reads /proc.
 */

export interface QemuCmdline {
  /** the guest's name; absent without -name */
  name?: string;
  /** taps named by ifname= */
  taps: string[];
}

/**
 * Splits a QEMU option string into its parts: a comma separates parts, a doubled comma is a
 * literal one (QEMU's QemuOpts and keyval syntax).
 */
export function splitQemuOptions(value: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === ',' && value[i + 1] === ',') {
      cur += ',';
      i++;
    } else if (c === ',') {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

/**
 * `key=value` options of a QEMU option string; a part without `=` is the value of `implied`
 * (the first part only: `-name NAME,process=P`, `-netdev tap,id=n0`).
 */
function qemuOptions(value: string, implied: string): Map<string, string> {
  const out = new Map<string, string>();
  splitQemuOptions(value).forEach((part, i) => {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq), part.slice(eq + 1));
    else if (i === 0 && part !== '') out.set(implied, part);
  });
  return out;
}

/** the options of a -netdev/-nic/-net value: JSON (libvirt since QEMU 6) or key=value */
function netOptions(value: string): Map<string, string> {
  if (value.trimStart().startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (typeof parsed !== 'object' || parsed === null) return new Map();
      return new Map(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
    } catch {
      return new Map();
    }
  }
  return qemuOptions(value, 'type');
}

/** the argument's value for a flag given as `-flag value`, `--flag value` or `-flag=value` */
function flagValues(argv: readonly string[], flag: string): string[] {
  const out: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const bare = a.startsWith('--') ? a.slice(1) : a;
    if (bare === `-${flag}` && i + 1 < argv.length) out.push(argv[++i] ?? '');
    else if (bare.startsWith(`-${flag}=`)) out.push(bare.slice(flag.length + 2));
  }
  return out;
}

/** Reads a QEMU command line (argv, as /proc/PID/cmdline splits it at NUL bytes). */
export function parseQemuCmdline(argv: readonly string[]): QemuCmdline {
  const out: QemuCmdline = { taps: [] };
  const nameArg = flagValues(argv, 'name').at(-1);
  if (nameArg !== undefined) {
    const name = qemuOptions(nameArg, 'guest').get('guest');
    if (name !== undefined && name !== '') out.name = name;
  }
  for (const flag of ['netdev', 'nic', 'net']) {
    for (const value of flagValues(argv, flag)) {
      const o = netOptions(value);
      const ifname = o.get('ifname');
      if (o.get('type') === 'tap' && ifname !== undefined && ifname !== '' && !out.taps.includes(ifname)) out.taps.push(ifname);
    }
  }
  return out;
}

/** /proc/PID/cmdline's bytes as argv (NUL-separated, a trailing NUL) */
export function splitCmdline(raw: string): string[] {
  const parts = raw.split('\0');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

/**
 * The tap a /dev/net/tun descriptor is attached to, from its /proc/PID/fdinfo/N text: the
 * kernel's tun driver adds an `iff:\t<device>` line; absent for a descriptor not attached to a
 * device yet, and for every other kind of file.
 */
export function parseTunFdinfo(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^iff:\s*(\S+)\s*$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}
