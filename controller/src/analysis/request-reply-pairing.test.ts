import { describe, expect, it } from 'vitest';
import { type ExchangePacket, RequestReplyPairer } from './request-reply-pairing.js';

/** 2-host packet: host 0 = A, 1 = B; forward packets go A->B */
function pkt(dir: number, proto: number, times: { A?: [number, number]; B?: [number, number] }, extra: Partial<ExchangePacket> = {}): ExchangePacket {
  const first = [times.A?.[0] ?? NaN, times.B?.[0] ?? NaN];
  const last = [times.A?.[1] ?? NaN, times.B?.[1] ?? NaN];
  return {
    dir,
    proto,
    flowHash: 42,
    sport: 0,
    dport: 0,
    seq: 0,
    origin: dir === 0 ? 0 : 1,
    dest: dir === 0 ? 1 : 0,
    first,
    last,
    firstPos: first.map((t) => (Number.isNaN(t) ? -1 : 0)),
    lastPos: last.map((t) => (Number.isNaN(t) ? -1 : 0)),
    ...extra,
  };
}

describe('RequestReplyPairer', () => {
  it('ICMP: pairs by id+seq in either arrival order, ignores other types', () => {
    const p = new RequestReplyPairer();
    const req = pkt(0, 1, { A: [0, 10], B: [60, 70] }, { sport: 7, seq: 3, dport: 8 << 8 });
    const rep = pkt(1, 1, { B: [300, 310], A: [360, 370] }, { sport: 7, seq: 3, dport: 0 });
    const otherSeq = pkt(1, 1, { B: [300, 310], A: [360, 370] }, { sport: 7, seq: 4, dport: 0 });
    expect(p.offer(rep)).toBeNull();
    expect(p.offer(otherSeq)).toBeNull();
    expect(p.offer(pkt(0, 1, {}, { dport: 3 << 8 }))).toBeNull(); // unreachable: not an echo
    expect(p.offer(req)).toEqual({ request: req, reply: rep });
    expect(p.offer(req)).toBeNull(); // consumed
  });

  it('UDP: request/reply by order on one host, whichever finalizes first', () => {
    const p = new RequestReplyPairer();
    const req1 = pkt(0, 17, { A: [0, 10], B: [60, 70] });
    const rep1 = pkt(1, 17, { B: [300, 310], A: [360, 370] });
    const req2 = pkt(0, 17, { A: [1000, 1010], B: [1060, 1070] });
    const rep2 = pkt(1, 17, { B: [1300, 1310], A: [1360, 1370] });
    // reply first, then its request
    expect(p.offer(rep1)).toBeNull();
    expect(p.offer(req1)).toEqual({ request: req1, reply: rep1 });
    // the reply is not kept as a request: the next request does not pair with it
    expect(p.offer(req2)).toBeNull();
    expect(p.offer(rep2)).toEqual({ request: req2, reply: rep2 });
  });

  it('UDP: a reverse packet that left before the request arrived is not its reply', () => {
    const p = new RequestReplyPairer();
    const req = pkt(0, 17, { A: [1000, 1010], B: [1060, 1070] });
    const early = pkt(1, 17, { B: [1000, 1050], A: [1100, 1110] }); // left B at 1050 < 1060
    expect(p.offer(req)).toBeNull();
    expect(p.offer(early)).toBeNull();
    const rep = pkt(1, 17, { B: [1200, 1210], A: [1300, 1310] });
    expect(p.offer(rep)).toEqual({ request: req, reply: rep });
    // `early` stays kept, but the flow's requests go forward now: req2 is not early's reply
    const req2 = pkt(0, 17, { A: [1400, 1410], B: [1460, 1470] });
    expect(p.offer(req2)).toBeNull();
    const rep2 = pkt(1, 17, { B: [1600, 1610], A: [1700, 1710] });
    expect(p.offer(rep2)).toEqual({ request: req2, reply: rep2 });
  });
});
