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

  // client 40000 -> server 7000 (forward = client -> server unless said otherwise)
  const fwd = { sport: 40_000, dport: 7000 };
  const rev = { sport: 7000, dport: 40_000 };
  const exchange = (t: number, f = fwd, r = rev, dirs: [number, number] = [0, 1]) => {
    const a = dirs[0] === 0 ? 'A' : 'B';
    const b = dirs[0] === 0 ? 'B' : 'A';
    return {
      req: pkt(dirs[0], 17, { [a]: [t, t + 10], [b]: [t + 60, t + 70] }, f),
      rep: pkt(dirs[1], 17, { [b]: [t + 300, t + 310], [a]: [t + 360, t + 370] }, r),
    };
  };

  it('UDP: request/reply by order on the server host, whichever finalizes first', () => {
    const p = new RequestReplyPairer();
    const x1 = exchange(0);
    const x2 = exchange(1000);
    expect(p.offer(x1.rep)).toBeNull();
    expect(p.offer(x1.req)).toEqual({ request: x1.req, reply: x1.rep });
    // the reply is not kept as a request: the next request does not pair with it (think time)
    expect(p.offer(x2.req)).toBeNull();
    expect(p.offer(x2.rep)).toEqual({ request: x2.req, reply: x2.rep });
  });

  it('UDP: a server packet that left before the request arrived is not its reply', () => {
    const p = new RequestReplyPairer();
    const x = exchange(1000);
    const early = pkt(1, 17, { B: [1000, 1050], A: [1100, 1110] }, rev); // left B at 1050 < 1070
    expect(p.offer(x.req)).toBeNull();
    expect(p.offer(early)).toBeNull();
    expect(p.offer(x.rep)).toEqual({ request: x.req, reply: x.rep });
  });

  it('UDP: finalized out of order (reply, next request, its request, next reply): every pair right', () => {
    const p = new RequestReplyPairer();
    const x1 = exchange(0);
    const x2 = exchange(1000);
    // the old heuristic learned "requests go B->A" from (reply 1, request 2) here, for good
    expect(p.offer(x1.rep)).toBeNull();
    expect(p.offer(x2.req)).toBeNull();
    expect(p.offer(x1.req)).toEqual({ request: x1.req, reply: x1.rep });
    expect(p.offer(x2.rep)).toEqual({ request: x2.req, reply: x2.rep });
  });

  it('UDP: a lost reply leaves its request unanswered; the next reply pairs with its own request', () => {
    const p = new RequestReplyPairer();
    const x1 = exchange(0);
    const x2 = exchange(1000);
    expect(p.offer(x1.req)).toBeNull(); // x1.rep lost
    expect(p.offer(x2.req)).toBeNull();
    expect(p.offer(x2.rep)).toEqual({ request: x2.req, reply: x2.rep });
    // x1.req was dropped with the pair: a late duplicate of the reply finds nothing
    expect(p.offer(x1.rep)).toBeNull();
  });

  it('UDP: a lost request: its reply never pairs with a later request', () => {
    const p = new RequestReplyPairer();
    const x1 = exchange(0);
    const x2 = exchange(1000);
    expect(p.offer(x1.rep)).toBeNull(); // x1.req lost on the way (never reached B)
    expect(p.offer(x2.req)).toBeNull();
    expect(p.offer(x2.rep)).toEqual({ request: x2.req, reply: x2.rep });
  });

  // Known bug, kept visible: pairing depends on the order packets finalize in. Per-CPU record
  // batches deliver records late and out of order, so a reply can finalize before its own
  // request while an older request is still unanswered; it is then paired with that older one
  // (a turnaround one request interval too long). Seen in lab-accuracy as UDP turnaround p99 of
  // 12-22 ms at 100 requests/s, and with 32-record batches a p50 515 us off (test/bench/README.md).
  // When the pairing becomes order-independent this test fails: make it a plain `it`.
  it.fails('UDP: a reply finalized before its own request, an older request unanswered: pairs with its own (known bug)', () => {
    const p = new RequestReplyPairer();
    const x1 = exchange(0);
    const x2 = exchange(1000);
    const got = [p.offer(x1.req), p.offer(x2.rep), p.offer(x2.req), p.offer(x1.rep)].filter((x) => x !== null);
    expect(got[0]).toEqual({ request: x2.req, reply: x2.rep }); // today: { request: x1.req, reply: x2.rep }
  });

  it('UDP roles: the probe port names the server even when it is the higher port; equal ports: forward requests', () => {
    // server on 50000, client on 40000, client on host B sending B -> A (reverse)
    const f = { sport: 40_000, dport: 50_000 };
    const r = { sport: 50_000, dport: 40_000 };
    const x = exchange(0, f, r, [1, 0]);
    const byPort = new RequestReplyPairer({ servicePort: 50_000 });
    expect(byPort.isRequest(x.req)).toBe(true);
    expect(byPort.isRequest(x.rep)).toBe(false);
    expect(byPort.offer(x.req)).toBeNull();
    expect(byPort.offer(x.rep)).toEqual({ request: x.req, reply: x.rep });
    // without the port both are ephemeral: the lower one is taken as the server (wrongly here)
    expect(new RequestReplyPairer().isRequest(x.req)).toBe(false);
    // a well-known port beats an ephemeral one whatever the numbers
    expect(new RequestReplyPairer().isRequest(pkt(1, 17, {}, { sport: 33_000, dport: 53 }))).toBe(true);
    expect(new RequestReplyPairer().isRequest(pkt(1, 17, {}, { sport: 4789, dport: 40_000 }))).toBe(false);
    const same = { sport: 123, dport: 123 };
    expect(new RequestReplyPairer().isRequest(pkt(0, 17, {}, same))).toBe(true);
    expect(new RequestReplyPairer().isRequest(pkt(1, 17, {}, same))).toBe(false);
  });
});
