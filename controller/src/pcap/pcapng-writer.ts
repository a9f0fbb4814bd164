/**
 * A minimal pcapng writer (the pcapng format: a Section Header Block, Interface Description
 * Blocks, Enhanced Packet Blocks; little endian, every block and option padded to 32 bits).
 * Enough for `xtrace pair --pcap`: Ethernet interfaces with ns timestamps (if_tsresol 9), names,
 * descriptions and comments, and packets with their original length and a comment.
 */

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const LINKTYPE_ETHERNET = 1;

const OPT_END = 0;
const OPT_COMMENT = 1;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;

export interface PcapInterface {
  /** if_name, e.g. "hv-a.tap_rx" */
  name: string;
  description?: string;
  comment?: string;
  /** the most bytes a packet of this interface holds */
  snaplen: number;
}

export interface PcapPacket {
  /** index into the interfaces */
  interfaceId: number;
  /** ns since the epoch */
  timestampNs: bigint;
  /** the packet's length on the wire */
  originalLength: number;
  data: Uint8Array;
  comment?: string;
}

const pad4 = (n: number): number => (n + 3) & ~3;

type Option = [code: number, value: Uint8Array];

function optionsBytes(options: Option[]): Buffer {
  if (options.length === 0) return Buffer.alloc(0);
  const size = options.reduce((n, [, v]) => n + 4 + pad4(v.byteLength), 0) + 4;
  const out = Buffer.alloc(size);
  let at = 0;
  for (const [code, value] of options) {
    out.writeUInt16LE(code, at);
    out.writeUInt16LE(value.byteLength, at + 2);
    out.set(value, at + 4);
    at += 4 + pad4(value.byteLength);
  }
  out.writeUInt16LE(OPT_END, at);
  return out;
}

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

/** type, total length, body (padded), total length again */
function block(type: number, body: Buffer): Buffer {
  const total = 12 + pad4(body.byteLength);
  const out = Buffer.alloc(total);
  out.writeUInt32LE(type, 0);
  out.writeUInt32LE(total, 4);
  out.set(body, 8);
  out.writeUInt32LE(total, total - 4);
  return out;
}

function sectionHeader(application: string, comment: string | undefined): Buffer {
  const fixed = Buffer.alloc(16);
  fixed.writeUInt32LE(BYTE_ORDER_MAGIC, 0);
  fixed.writeUInt16LE(1, 4); // version 1.0
  fixed.writeUInt16LE(0, 6);
  fixed.writeBigInt64LE(-1n, 8); // section length not given
  const opts: Option[] = [[SHB_USERAPPL, text(application)]];
  if (comment !== undefined) opts.push([OPT_COMMENT, text(comment)]);
  return block(SHB, Buffer.concat([fixed, optionsBytes(opts)]));
}

function interfaceDescription(i: PcapInterface): Buffer {
  const fixed = Buffer.alloc(8);
  fixed.writeUInt16LE(LINKTYPE_ETHERNET, 0);
  fixed.writeUInt32LE(i.snaplen, 4);
  const opts: Option[] = [[IF_NAME, text(i.name)]];
  if (i.description !== undefined) opts.push([IF_DESCRIPTION, text(i.description)]);
  opts.push([IF_TSRESOL, Buffer.from([9])]); // 10^-9 s: ns
  if (i.comment !== undefined) opts.push([OPT_COMMENT, text(i.comment)]);
  return block(IDB, Buffer.concat([fixed, optionsBytes(opts)]));
}

function enhancedPacket(p: PcapPacket): Buffer {
  const fixed = Buffer.alloc(20);
  const ts = BigInt.asUintN(64, p.timestampNs);
  fixed.writeUInt32LE(p.interfaceId, 0);
  fixed.writeUInt32LE(Number(ts >> 32n), 4);
  fixed.writeUInt32LE(Number(ts & 0xffffffffn), 8);
  fixed.writeUInt32LE(p.data.byteLength, 12);
  fixed.writeUInt32LE(p.originalLength, 16);
  const data = Buffer.alloc(pad4(p.data.byteLength));
  data.set(p.data, 0);
  const opts = p.comment !== undefined ? optionsBytes([[OPT_COMMENT, text(p.comment)]]) : Buffer.alloc(0);
  return block(EPB, Buffer.concat([fixed, data, opts]));
}

/** One section: the interfaces, then the packets in the order given. */
export function writePcapng(section: { application: string; comment?: string; interfaces: PcapInterface[]; packets: PcapPacket[] }): Buffer {
  const parts = [sectionHeader(section.application, section.comment), ...section.interfaces.map(interfaceDescription)];
  for (const p of section.packets) {
    if (p.interfaceId < 0 || p.interfaceId >= section.interfaces.length) throw new RangeError(`packet of interface ${p.interfaceId}: only ${section.interfaces.length} interfaces`);
    parts.push(enhancedPacket(p));
  }
  return Buffer.concat(parts);
}
