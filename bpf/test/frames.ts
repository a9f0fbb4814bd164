/**
 * Crafted Ethernet frames for feeding the BPF programs through BPF_PROG_TEST_RUN:
 * IPv4/IPv6 with ICMP, UDP and TCP, optionally wrapped in VXLAN or Geneve.
 */
import { addressBytes } from '@xtrace/node-agent/tracing';

export interface L4Spec {
  proto: 'icmp' | 'udp' | 'tcp';
  sport?: number;
  dport?: number;
  /** ICMP echo id/seq, TCP seq */
  id?: number;
  seq?: number;
  ack?: number;
  tcpFlags?: number;
  payload?: Buffer;
}

export interface PacketSpec extends L4Spec {
  src: string;
  dst: string;
  ipId?: number;
  ttl?: number;
}

function l4(spec: PacketSpec, v6: boolean): { proto: number; bytes: Buffer } {
  const payload = spec.payload ?? Buffer.from('xtrace-payload-0123456789');
  if (spec.proto === 'icmp') {
    const h = Buffer.alloc(8);
    h[0] = v6 ? 128 : 8; // echo request
    h.writeUInt16BE(spec.id ?? 0x1234, 4);
    h.writeUInt16BE(spec.seq ?? 1, 6);
    return { proto: v6 ? 58 : 1, bytes: Buffer.concat([h, payload]) };
  }
  if (spec.proto === 'udp') {
    const h = Buffer.alloc(8);
    h.writeUInt16BE(spec.sport ?? 40000, 0);
    h.writeUInt16BE(spec.dport ?? 7000, 2);
    h.writeUInt16BE(8 + payload.length, 4);
    h.writeUInt16BE(0xbeef, 6); // checksum: deliberately arbitrary, identity must ignore it
    return { proto: 17, bytes: Buffer.concat([h, payload]) };
  }
  const h = Buffer.alloc(20);
  h.writeUInt16BE(spec.sport ?? 40000, 0);
  h.writeUInt16BE(spec.dport ?? 80, 2);
  h.writeUInt32BE(spec.seq ?? 1000, 4);
  h.writeUInt32BE(spec.ack ?? 0, 8);
  h[12] = 5 << 4;
  h[13] = spec.tcpFlags ?? 0x18;
  h.writeUInt16BE(65535, 14);
  return { proto: 6, bytes: Buffer.concat([h, payload]) };
}

/** An IP packet (no L2). */
export function ipPacket(spec: PacketSpec): Buffer {
  const v6 = spec.src.includes(':');
  const { proto, bytes } = l4(spec, v6);
  if (v6) {
    const h = Buffer.alloc(40);
    h.writeUInt32BE(0x60000000 | 0x12345, 0); // flow label set: identity must not depend on it
    h.writeUInt16BE(bytes.length, 4);
    h[6] = proto;
    h[7] = spec.ttl ?? 64;
    addressBytes(spec.src).copy(h, 8);
    addressBytes(spec.dst).copy(h, 24);
    return Buffer.concat([h, bytes]);
  }
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + bytes.length, 2);
  h.writeUInt16BE(spec.ipId ?? 0x4242, 4);
  h.writeUInt16BE(0x4000, 6); // DF
  h[8] = spec.ttl ?? 64;
  h[9] = proto;
  h.writeUInt16BE(0xabcd, 10); // header checksum: arbitrary, never part of identity
  addressBytes(spec.src).subarray(12).copy(h, 12);
  addressBytes(spec.dst).subarray(12).copy(h, 16);
  return Buffer.concat([h, bytes]);
}

export function ethernet(payload: Buffer, ethertype: number, srcMac = 0x02, dstMac = 0x04): Buffer {
  const h = Buffer.alloc(14);
  h[0] = 0x02;
  h[5] = dstMac;
  h[6] = 0x02;
  h[11] = srcMac;
  h.writeUInt16BE(ethertype, 12);
  return Buffer.concat([h, payload]);
}

export function frame(spec: PacketSpec): Buffer {
  return ethernet(ipPacket(spec), spec.src.includes(':') ? 0x86dd : 0x0800);
}

/** The frame wrapped in VXLAN (UDP 4789) or Geneve (UDP 6081) between two underlay hosts. */
export function tunnelled(inner: Buffer, kind: 'vxlan' | 'geneve', outerSrc = '10.99.0.1', outerDst = '10.99.0.2'): Buffer {
  const header = Buffer.alloc(8);
  if (kind === 'vxlan') {
    header[0] = 0x08;
    header.writeUInt32BE(42 << 8, 4);
  } else {
    header[0] = 1; // one 4-byte option word follows
    header.writeUInt16BE(0x6558, 2);
    header.writeUInt32BE(42 << 8, 4);
  }
  const options = kind === 'geneve' ? Buffer.from([0x01, 0x02, 0x03, 0x01]) : Buffer.alloc(0);
  const udpPayload = Buffer.concat([header, options, inner]);
  const outer = ipPacket({
    src: outerSrc,
    dst: outerDst,
    proto: 'udp',
    sport: 51234,
    dport: kind === 'vxlan' ? 4789 : 6081,
    payload: udpPayload,
    ipId: 0x7777,
    ttl: 17,
  });
  return ethernet(outer, outerSrc.includes(':') ? 0x86dd : 0x0800, 0x10, 0x20);
}
