/**
 * A packet capture as the BPF programs write it on the xt_captures ring (`xtrace pair --pcap`):
 * the C twin is struct xt_capture in bpf/include/xtrace_abi.h (bpf/test/abi.test.ts checks they
 * agree). Agents carry captures, packed like this, in their envelopes' `captures`.
 */
export const CAPTURE_SIZE = 160;
/** most packet bytes a capture holds (XT_CAPTURE_BYTES): the largest snaplen a probe may ask for */
export const CAPTURE_BYTES = 128;
/**
 * Captures of one probe kept at most: an agent sends at most this many of its own (the rest it
 * counts, envelope `capturesDropped`), the controller keeps at most this many of all its hosts'.
 */
export const MAX_PROBE_CAPTURES = 10_000;

export const CaptureOffset = {
  tsNs: 0,
  pktId: 8,
  probeMask: 16,
  len: 20,
  ifindex: 24,
  stage: 28,
  caplen: 30,
  data: 32,
} as const;

export interface DecodedCapture {
  /** CLOCK_MONOTONIC of the capturing host, ns (the record's ts_ns) */
  tsNs: bigint;
  pktId: bigint;
  probeMask: number;
  /** the frame's length on the wire */
  len: number;
  ifindex: number;
  stage: number;
  /** the captured bytes, from the Ethernet header (a view of the input) */
  data: Buffer;
}

/** The capture at byte `off` of `buf`; its data is a view, not a copy. */
export function decodeCapture(buf: Buffer, off = 0): DecodedCapture {
  const caplen = Math.min(buf.readUInt16LE(off + CaptureOffset.caplen), CAPTURE_BYTES);
  return {
    tsNs: buf.readBigUInt64LE(off + CaptureOffset.tsNs),
    pktId: buf.readBigUInt64LE(off + CaptureOffset.pktId),
    probeMask: buf.readUInt32LE(off + CaptureOffset.probeMask),
    len: buf.readUInt32LE(off + CaptureOffset.len),
    ifindex: buf.readUInt32LE(off + CaptureOffset.ifindex),
    stage: buf.readUInt16LE(off + CaptureOffset.stage),
    data: buf.subarray(off + CaptureOffset.data, off + CaptureOffset.data + caplen),
  };
}
