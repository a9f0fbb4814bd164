import { describe, expect, it } from 'vitest';
import { type ExchangePacket, type PairerOptions, RequestReplyPairer } from './request-reply-pairing.js';

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
    vmIn: [NaN, NaN, NaN],
    vmOut: [NaN, NaN, NaN],
    ...extra,
  };
}

/** A pairer whose exchanges land in `got` and clock samples in `clock`, as [request, reply]. */
function pairer(opts: PairerOptions = {}) {
  const got: [ExchangePacket, ExchangePacket][] = [];
  const clock: [ExchangePacket, ExchangePacket][] = [];
  const p = new RequestReplyPairer({ exchange: (req, rep) => got.push([req, rep]), clockSample: (req, rep) => clock.push([req, rep]) }, opts);
  /** offer packets at controller time `now` */
  const offer = (now: number, ...ps: ExchangePacket[]) => ps.forEach((x) => p.offer(x, now));
  /** what settled since the last call */
  const take = () => got.splice(0, got.length);
  /** the clock samples since the last call */
  const takeClock = () => clock.splice(0, clock.length);
  return { p, offer, take, takeClock };
}

describe('RequestReplyPairer', () => {
  it('ICMP: pairs by id+seq in either arrival order, at once, ignores other types', () => {
    const { offer, take } = pairer();
    const req = pkt(0, 1, { A: [0, 10], B: [60, 70] }, { sport: 7, seq: 3, dport: 8 << 8 });
    const rep = pkt(1, 1, { B: [300, 310], A: [360, 370] }, { sport: 7, seq: 3, dport: 0 });
    const otherSeq = pkt(1, 1, { B: [300, 310], A: [360, 370] }, { sport: 7, seq: 4, dport: 0 });
    offer(0, rep, otherSeq, pkt(0, 1, {}, { dport: 3 << 8 })); // unreachable: not an echo
    expect(take()).toEqual([]);
    offer(0, req);
    expect(take()).toEqual([[req, rep]]); // no hold: ICMP pairs exactly
    offer(0, req);
    expect(take()).toEqual([]); // consumed
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

  it('UDP: a reply is held for holdMs of controller time, then paired; flush() settles the rest', () => {
    const { p, offer, take } = pairer({ holdMs: 1000 });
    const x1 = exchange(0);
    const x2 = exchange(1000);
    offer(0, x1.req, x1.rep);
    offer(500, x2.req, x2.rep);
    p.release(999);
    expect(take()).toEqual([]);
    expect(p.heldCount).toBe(4);
    p.release(1000);
    expect(take()).toEqual([[x1.req, x1.rep]]);
    p.flush();
    expect(take()).toEqual([[x2.req, x2.rep]]);
    expect(p.heldCount).toBe(0);
  });

  it('UDP: a reply offered after a request before it gives a clock sample at once, every other one when settled', () => {
    const { p, offer, take, takeClock } = pairer({ holdMs: 1000 });
    const x1 = exchange(0);
    const x2 = exchange(1000);
    const x3 = exchange(2000);
    offer(0, x1.req, x1.rep); // in order: sampled at once
    offer(0, x2.rep); // before its own request, but after x1.req
    expect(takeClock()).toEqual([
      [x1.req, x1.rep],
      [x1.req, x2.rep], // provisional: any exchange will do for NTP, its delay filter judges
    ]);
    offer(0, x3.rep, x2.req, x3.req);
    expect(takeClock()).toEqual([[x1.req, x3.rep]]); // the latest request before it, when offered
    expect(take()).toEqual([]);
    p.flush();
    expect(take()).toEqual([
      [x1.req, x1.rep],
      [x2.req, x2.rep],
      [x3.req, x3.rep],
    ]);
    expect(takeClock()).toEqual([]); // one sample per reply
    const { p: q, offer: offerQ, takeClock: clockQ } = pairer();
    offerQ(0, x1.rep, x1.req);
    expect(clockQ()).toEqual([]);
    q.flush();
    expect(clockQ()).toEqual([[x1.req, x1.rep]]); // no request before it when offered: sampled when settled
  });

  it('UDP: request/reply by order on the server host, whichever finalizes first', () => {
    const { p, offer, take } = pairer();
    const x1 = exchange(0);
    const x2 = exchange(1000);
    offer(0, x1.rep, x1.req);
    // the reply is not kept as a request: the next request does not pair with it (think time)
    offer(0, x2.req, x2.rep);
    p.flush();
    expect(take()).toEqual([
      [x1.req, x1.rep],
      [x2.req, x2.rep],
    ]);
  });

  it('UDP: a server packet that left before the request arrived is not its reply', () => {
    const { p, offer, take } = pairer();
    const x = exchange(1000);
    const early = pkt(1, 17, { B: [1000, 1050], A: [1100, 1110] }, rev); // left B at 1050 < 1070
    offer(0, x.req, early, x.rep);
    p.flush();
    expect(take()).toEqual([[x.req, x.rep]]);
  });

  it('UDP: finalized out of order (reply, next request, its request, next reply): every pair right', () => {
    const { p, offer, take } = pairer();
    const x1 = exchange(0);
    const x2 = exchange(1000);
    offer(0, x1.rep, x2.req, x1.req, x2.rep);
    p.flush();
    expect(take()).toEqual([
      [x1.req, x1.rep],
      [x2.req, x2.rep],
    ]);
  });

  it('UDP: a lost reply leaves its request unanswered; the next reply pairs with its own request', () => {
    const { p, offer, take } = pairer();
    const x1 = exchange(0);
    const x2 = exchange(1000);
    offer(0, x1.req, x2.req, x2.rep); // x1.rep lost
    p.release(1000);
    expect(take()).toEqual([[x2.req, x2.rep]]);
    // x1.req was dropped with the pair: a late copy of its reply finds nothing
    offer(1000, x1.rep);
    p.flush();
    expect(take()).toEqual([]);
  });

  it('UDP: a lost request: its reply never pairs with a later request', () => {
    const { p, offer, take } = pairer();
    const x1 = exchange(0);
    const x2 = exchange(1000);
    offer(0, x1.rep, x2.req, x2.rep); // x1.req lost on the way (never reached B)
    p.flush();
    expect(take()).toEqual([[x2.req, x2.rep]]);
  });

  // The bug this hold fixed: per-CPU record batches deliver records late and out of order, so a
  // reply can finalize before its own request while an older request is still unanswered; paired
  // at once, it took the older one (a turnaround one request interval too long: UDP turnaround p99
  // of 12-22 ms at 100 requests/s in lab-accuracy).
  it('UDP: a reply finalized before its own request, an older request unanswered: pairs with its own', () => {
    const { p, offer, take } = pairer({ holdMs: 1000 });
    const x1 = exchange(0);
    const x2 = exchange(1000);
    offer(0, x1.req);
    offer(100, x2.rep);
    offer(300, x2.req); // 300 ms after its reply: within the hold
    offer(400, x1.rep);
    p.release(1099);
    expect(take()).toEqual([]);
    // x2.rep's hold ran out: it and every reply before it in the server's time settle, in that order
    p.release(1100);
    expect(take()).toEqual([
      [x1.req, x1.rep],
      [x2.req, x2.rep],
    ]);
  });

  it('UDP: a burst (two requests sent at once, then both replies) pairs in order; a lost reply in a burst', () => {
    const burst = () => ({
      r1: pkt(0, 17, { A: [0, 10], B: [60, 70] }, fwd),
      r2: pkt(0, 17, { A: [40, 50], B: [100, 110] }, fwd), // reached B before r1's reply left it
      p1: pkt(1, 17, { B: [500, 510], A: [560, 570] }, rev),
      p2: pkt(1, 17, { B: [530, 540], A: [590, 600] }, rev),
    });
    const { r1, r2, p1, p2 } = burst();
    for (const order of [[r1, r2, p1, p2], [p2, p1, r2, r1], [r2, p1, r1, p2]]) {
      const { p, offer, take } = pairer();
      offer(0, ...order);
      p.flush();
      expect(take()).toEqual([
        [r1, p1],
        [r2, p2],
      ]);
    }
    // one reply of the burst lost: the one left pairs with the latest request (its replies' losses came first)
    const lost = pairer();
    lost.offer(0, r1, r2, p2);
    lost.p.flush();
    expect(lost.take()).toEqual([[r2, p2]]);
    // one request, two replies (a duplicate answer): the first pairs, the second settles unpaired
    const dup = pairer();
    dup.offer(0, r1, p1, p2);
    dup.p.flush();
    expect(dup.take()).toEqual([[r1, p1]]);
    expect(dup.p.heldCount).toBe(0);
  });

  it('UDP: every finalization order of three exchanges pairs each reply with its own request', () => {
    const xs = [exchange(0), exchange(1000), exchange(2000)];
    const all = xs.flatMap((x) => [x.req, x.rep]);
    const perms = (a: ExchangePacket[]): ExchangePacket[][] =>
      a.length <= 1 ? [a] : a.flatMap((x, i) => perms([...a.slice(0, i), ...a.slice(i + 1)]).map((r) => [x, ...r]));
    let orders = 0;
    for (const order of perms(all)) {
      const { p, offer, take } = pairer();
      order.forEach((x, i) => offer(i * 50, x)); // all within one hold
      p.release(5000);
      expect(take()).toEqual(xs.map((x) => [x.req, x.rep]));
      orders++;
    }
    expect(orders).toBe(720);
  });

  it('UDP: a one-way flow (no replies) holds about holdMs of requests, not more', () => {
    const { p, offer, take } = pairer({ holdMs: 1000 });
    for (let i = 0; i < 10_000; i++) offer(i, pkt(0, 17, { A: [i * 1000, i * 1000 + 10], B: [i * 1000 + 60, i * 1000 + 70] }, fwd));
    expect(p.heldCount).toBeLessThanOrEqual(513); // per-flow bound: 512, plus the one offered
    expect(take()).toEqual([]);
    const { p: q, offer: offerQ } = pairer({ holdMs: 100 });
    for (let i = 0; i < 10_000; i++) offerQ(i, pkt(0, 17, { A: [i * 1000, i * 1000 + 10], B: [i * 1000 + 60, i * 1000 + 70] }, fwd));
    expect(q.heldCount).toBeLessThanOrEqual(102);
    expect(q.heldCount).toBeGreaterThanOrEqual(100);
  });

  it('UDP: past maxHeld the oldest reply is settled early, and counted', () => {
    const { p, offer, take } = pairer({ holdMs: 1_000_000, maxHeld: 10 });
    const flows = Array.from({ length: 20 }, (_, i) => exchange(i * 1000));
    flows.forEach((x, i) => offer(0, { ...x.req, flowHash: i }, { ...x.rep, flowHash: i }));
    expect(p.heldCount).toBeLessThanOrEqual(10);
    expect(p.forcedEarly).toBeGreaterThan(0);
    expect(take().length).toBe(p.forcedEarly);
  });

  it('UDP roles: the probe port names the server even when it is the higher port; equal ports: forward requests', () => {
    // server on 50000, client on 40000, client on host B sending B -> A (reverse)
    const f = { sport: 40_000, dport: 50_000 };
    const r = { sport: 50_000, dport: 40_000 };
    const x = exchange(0, f, r, [1, 0]);
    const byPort = pairer({ servicePort: 50_000 });
    expect(byPort.p.isRequest(x.req)).toBe(true);
    expect(byPort.p.isRequest(x.rep)).toBe(false);
    byPort.offer(0, x.req, x.rep);
    byPort.p.flush();
    expect(byPort.take()).toEqual([[x.req, x.rep]]);
    const plain = pairer().p;
    // without the port both are ephemeral: the lower one is taken as the server (wrongly here)
    expect(plain.isRequest(x.req)).toBe(false);
    // a well-known port beats an ephemeral one whatever the numbers
    expect(plain.isRequest(pkt(1, 17, {}, { sport: 33_000, dport: 53 }))).toBe(true);
    expect(plain.isRequest(pkt(1, 17, {}, { sport: 4789, dport: 40_000 }))).toBe(false);
    const same = { sport: 123, dport: 123 };
    expect(plain.isRequest(pkt(0, 17, {}, same))).toBe(true);
    expect(plain.isRequest(pkt(1, 17, {}, same))).toBe(false);
  });
});
