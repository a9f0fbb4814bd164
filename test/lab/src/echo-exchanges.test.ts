import { describe, expect, it } from 'vitest';
import { echoExchangeKey, echoTurnaroundsNs, overlappedExchanges } from './echo-exchanges.js';
import type { TruthRecord } from './truth-log.js';

const A = [10, 0, 0, 1];
const B = [10, 0, 0, 2];

/** Ethernet + IPv4 + 8 L4 header bytes + payload, as the relay's truth log keeps a frame's head. */
function frame(src: number[], dst: number[], proto: number, l4: number[], payload: number[] = []): Buffer {
  const eth = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00];
  const ip = [0x45, 0, 0, 0, 0, 0, 0, 0, 64, proto, 0, 0, ...src, ...dst];
  return Buffer.from([...eth, ...ip, ...l4, ...payload]);
}
const icmp = (src: number[], dst: number[], type: number, id: number, seq: number): Buffer =>
  frame(src, dst, 1, [type, 0, 0, 0, id >> 8, id & 0xff, seq >> 8, seq & 0xff]);
const udp = (src: number[], dst: number[], sport: number, dport: number, seq: number): Buffer =>
  frame(src, dst, 17, [sport >> 8, sport & 0xff, dport >> 8, dport & 0xff, 0, 24, 0, 0], [0x58, 0x54, 0x52, 0x55, 0, 0, seq >> 8, seq & 0xff]);

function rec(dir: 'ab' | 'ba', head: Buffer, enqNs: number, writeNs: number, fate: TruthRecord['fate'] = 'forwarded'): TruthRecord {
  return { dir, head, enqNs: BigInt(enqNs), readNs: BigInt(enqNs), writeNs: BigInt(writeNs), dueNs: 0n, len: head.length, fate };
}

describe('echo exchanges from a relay truth log', () => {
  it('keys a request and its reply alike, and other exchanges apart', () => {
    expect(echoExchangeKey(icmp(A, B, 8, 7, 1), 'request')).toBe(echoExchangeKey(icmp(B, A, 0, 7, 1), 'reply'));
    expect(echoExchangeKey(udp(A, B, 40000, 7100, 3), 'request')).toBe(echoExchangeKey(udp(B, A, 7100, 40000, 3), 'reply'));
    expect(echoExchangeKey(icmp(A, B, 8, 7, 1), 'request')).not.toBe(echoExchangeKey(icmp(B, A, 0, 7, 2), 'reply'));
    expect(echoExchangeKey(udp(A, B, 40000, 7100, 3), 'request')).not.toBe(echoExchangeKey(udp(B, A, 7100, 40000, 4), 'reply'));
    // an echo reply is no request, ARP no exchange at all
    expect(echoExchangeKey(icmp(A, B, 0, 7, 1), 'request')).toBeUndefined();
    expect(echoExchangeKey(Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x06, 0, 1]), 'request')).toBeUndefined();
  });

  it('measures each exchange from the request enqueue to the reply write, pairing by key, not by order', () => {
    const log = [
      rec('ab', icmp(A, B, 8, 7, 1), 1_000, 1_200),
      rec('ab', icmp(A, B, 8, 7, 2), 2_000, 2_300),
      rec('ba', icmp(B, A, 0, 7, 2), 2_500, 2_900), // answers seq 2 first
      rec('ba', icmp(B, A, 0, 7, 1), 2_600, 3_100),
      rec('ab', udp(A, B, 40000, 7100, 9), 5_000, 5_100),
      rec('ba', udp(B, A, 7100, 40000, 9), 5_400, 5_700),
    ];
    expect(echoTurnaroundsNs(log, 'ab')).toEqual([900, 2_100, 700]);
  });

  it('leaves out exchanges the relay did not forward both ways, and replies without a request', () => {
    const log = [
      rec('ab', icmp(A, B, 8, 7, 1), 1_000, 0, 'loss'),
      rec('ba', icmp(B, A, 0, 7, 1), 2_000, 2_100), // its request was dropped: no exchange
      rec('ab', icmp(A, B, 8, 7, 2), 3_000, 3_100),
      rec('ba', icmp(B, A, 0, 7, 2), 3_500, 0, 'overflow'),
      rec('ab', icmp(A, B, 8, 7, 3), 4_000, 4_100),
    ];
    expect(echoTurnaroundsNs(log, 'ab')).toEqual([]);
  });

  it('counts the exchanges whose reply left after the next request of their flow arrived, per flow', () => {
    const log = [
      rec('ab', udp(A, B, 40000, 7100, 1), 1_000, 1_100),
      rec('ab', udp(A, B, 40000, 7100, 2), 2_000, 2_100), // arrives before reply 1 leaves: 1 is overlapped
      rec('ba', udp(B, A, 7100, 40000, 1), 2_500, 2_600),
      rec('ba', udp(B, A, 7100, 40000, 2), 2_700, 2_800), // before request 3: not overlapped
      rec('ab', udp(A, B, 40000, 7100, 3), 3_000, 3_100),
      rec('ba', udp(B, A, 7100, 40000, 3), 3_200, 3_300),
      // another flow in between does not overlap this one
      rec('ab', udp(A, B, 40001, 7100, 1), 2_050, 2_150),
      rec('ba', udp(B, A, 7100, 40001, 1), 2_900, 3_000),
    ];
    expect(overlappedExchanges(log, 'ab')).toBe(1);
    expect(overlappedExchanges(log.filter((r) => r.head.readUInt16BE(34) !== 40000 || r.dir !== 'ab' || r.enqNs !== 2_000n), 'ab')).toBe(0);
  });
});
