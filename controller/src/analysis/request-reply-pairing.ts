/**
 * Pairs a request with its reply, from finalized packets of both directions.
 *
 * ICMP / ICMPv6 echo: the request (type 8 / 128) and the reply (type 0 / 129) with the same
 * echo id and sequence, in opposite directions. Exact, so paired as soon as both are offered.
 *
 * UDP / TCP (by roles and order on the server's host): the client -> server direction of a
 * flow carries the requests. The server is the side of the probe's service port when one is
 * given (`pair --port`), else the side whose port is not ephemeral (below 32768), else the
 * lower port; a flow with equal ports takes the probe's forward direction (--src -> --dst) as
 * its requests. Roles are fixed per packet by its ports.
 *
 * The reply to a request is the first server packet that leaves the server's host after the
 * request reached it: taken in the server host's own clock, a reply pairs with the latest
 * request that reached the host before the reply left it, and the requests before that one
 * are dropped (their replies were lost, or they were pipelined). So the gap between a reply
 * and the client's next request (think time) is never taken as a turnaround.
 *
 * That order is the server host's, never the order packets happen to be finalized in: per-CPU
 * record batches deliver a host's records late and out of order, so a reply can finalize
 * before its own request while an older request is still unanswered. UDP/TCP packets are
 * therefore held: a reply is settled once it has waited `holdMs` of controller time since it
 * was offered and every host it crossed has sent what it recorded up to then (`caughtUp`: its
 * batches' cuts are past the reply's times there, so its request, which crossed those hosts
 * earlier, has arrived too, however late the agents ran), or `maxHoldMs` whatever the hosts
 * sent; a flow's replies are settled in the server host's time order, each against every
 * request offered by then. `flush()` settles
 * everything (end of run). What is held is bounded (per flow and in all); past a bound the
 * oldest reply is settled early, as it would be at its time, and `forcedEarly` counts it.
 *
 * A burst (k requests in, then k replies out: a client that sent several at once) pairs in
 * order. With requests in flight across replies (R1 R2 P1 R3 P2: pipelining) a reply pairs with
 * the latest request before it: valid clock samples still (NTP needs any exchange; the delay
 * filter drops bad ones), but then the turnaround reads as "time between the last packet in and
 * the next packet out".
 */
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;

export interface ExchangePacket {
  /** 0 forward, 1 reverse */
  dir: number;
  proto: number;
  flowHash: number;
  /** ICMP: echo id */
  sport: number;
  /** ICMP: type << 8 | code */
  dport: number;
  seq: number;
  /** host index of the first and last host this packet's direction crosses */
  origin: number;
  dest: number;
  /** per host index: ts of the first/last position seen on that host (NaN: none) */
  first: number[];
  last: number[];
  /** per host index: first/last position seen (-1: none) */
  firstPos: number[];
  lastPos: number[];
  /** at the destination host: tap_tx, vhost_rx, kvm_irq (ns, NaN: not seen); see vm-breakdown.ts */
  vmIn: readonly [number, number, number];
  /** at the origin host: guest_kick, vhost_tx, tap_rx */
  vmOut: readonly [number, number, number];
}

/** Where the pairer's results go. */
export interface ExchangeSink {
  /**
   * A request and a reply for a clock-offset sample, at most once per reply: at once when the
   * reply is offered after a request that reached the server's host before it left (NTP takes
   * any exchange, and its delay filter drops a poor one), else when the reply is settled. So
   * the clock offset is not held back by the pairing's hold.
   */
  clockSample(request: ExchangePacket, reply: ExchangePacket): void;
  /** A settled exchange (turnaround, round trip), in the order exchanges are settled. */
  exchange(request: ExchangePacket, reply: ExchangePacket): void;
}

export interface PairerOptions {
  /** the probe's port filter: the side using it is the server */
  servicePort?: number;
  /** how long a UDP/TCP reply waits, controller ms, before it is paired; default 1000 */
  holdMs?: number;
  /** UDP/TCP packets held in all; past it the oldest reply is settled early; default 131072 */
  maxHeld?: number;
  /**
   * Whether every host a packet crossed has sent all it recorded up to the packet's times there
   * (path-matcher.ts: its batch cuts); a held packet settles only then, or after maxHoldMs.
   * Default: always (the hold alone decides).
   */
  caughtUp?: (p: ExchangePacket) => boolean;
  /** how long a UDP/TCP reply waits at most for its hosts to catch up, controller ms; default 5 × holdMs */
  maxHoldMs?: number;
}

/** ICMP halves waiting for their partner, and flows, kept at most */
const MAX_KEPT = 65_536;
/** unanswered requests, and replies waiting to be settled, kept per flow */
const KEPT_PER_FLOW = 512;
/** ports from here up are taken as a client's ephemeral port (Linux starts at 32768) */
const EPHEMERAL_PORT_MIN = 32_768;
const DEFAULT_HOLD_MS = 1000;
const DEFAULT_MAX_HELD = 131_072;

/** A UDP/TCP packet held for pairing, with its time on the server's host. */
interface Held {
  p: ExchangePacket;
  /** request: when it reached the server's host (last ts there); reply: when it left it (first ts) */
  t: number;
  /** controller ms when it was offered */
  at: number;
  flow: FlowState;
  /** a reply that was paired or given up (the ripening queue skips it); unused for requests */
  settled: boolean;
  /** a reply that already gave a clock sample */
  clocked: boolean;
}

interface FlowState {
  key: number;
  /** requests not yet answered, in server-host time order */
  requests: Held[];
  /** replies not yet settled, in server-host time order */
  replies: Held[];
}

function icmpRole(p: ExchangePacket): 'request' | 'reply' | null {
  const type = p.dport >>> 8;
  if (p.proto === IPPROTO_ICMP) return type === 8 ? 'request' : type === 0 ? 'reply' : null;
  if (p.proto === IPPROTO_ICMPV6) return type === 128 ? 'request' : type === 129 ? 'reply' : null;
  return null;
}

/** How likely a port is a server's: lower is likelier (a well-known port before an ephemeral one). */
function clientness(port: number): number {
  return (port >= EPHEMERAL_PORT_MIN ? 65_536 : 0) + port;
}

export class RequestReplyPairer {
  private readonly icmpRequests = new Map<number, ExchangePacket>();
  private readonly icmpReplies = new Map<number, ExchangePacket>();
  private readonly flows = new Map<number, FlowState>();
  /** held replies in the order they were offered (so in controller time) */
  private ripening: Held[] = [];
  private ripeningHead = 0;
  private held = 0;
  private readonly servicePort: number;
  private readonly holdMs: number;
  private readonly maxHoldMs: number;
  private readonly maxHeld: number;
  private readonly caughtUp: (p: ExchangePacket) => boolean;
  /** replies settled before their hold ran out, because a bound was reached */
  forcedEarly = 0;

  constructor(
    private readonly sink: ExchangeSink,
    opts: PairerOptions = {},
  ) {
    this.servicePort = opts.servicePort ?? 0;
    this.holdMs = opts.holdMs ?? DEFAULT_HOLD_MS;
    this.maxHoldMs = opts.maxHoldMs ?? 5 * this.holdMs;
    this.maxHeld = opts.maxHeld ?? DEFAULT_MAX_HELD;
    this.caughtUp = opts.caughtUp ?? (() => true);
  }

  /** Offer a finalized packet at controller time `nowMs`; its exchange reaches the sink now (ICMP) or once settled (UDP/TCP). */
  offer(p: ExchangePacket, nowMs: number): void {
    if (p.proto === IPPROTO_ICMP || p.proto === IPPROTO_ICMPV6) this.offerIcmp(p);
    else if (p.proto === IPPROTO_UDP || p.proto === IPPROTO_TCP) this.offerFlow(p, nowMs);
  }

  /** Whether a packet held since `h.at` may settle at `nowMs`: held `holdMs` and its hosts caught up, or held `maxHoldMs`. */
  private ripe(h: Held, nowMs: number): boolean {
    if (h.at > nowMs - this.holdMs) return false;
    return h.at <= nowMs - this.maxHoldMs || this.caughtUp(h.p);
  }

  /** Settle the replies whose hold has run out by `nowMs` (in the order they were offered). */
  release(nowMs: number): void {
    while (this.ripeningHead < this.ripening.length) {
      const h = this.ripening[this.ripeningHead]!;
      if (!h.settled && !this.ripe(h, nowMs)) break;
      this.ripeningHead++;
      if (!h.settled) this.settleThrough(h.flow, h.t);
    }
    this.compactRipening();
  }

  /** Settle every held reply now (end of run). */
  flush(): void {
    for (const flow of this.flows.values()) this.settleThrough(flow, Infinity);
    this.ripening = [];
    this.ripeningHead = 0;
  }

  /** Forget everything held (a host rebooted: its times are no longer comparable). */
  clear(): void {
    this.icmpRequests.clear();
    this.icmpReplies.clear();
    this.flows.clear();
    this.ripening = [];
    this.ripeningHead = 0;
    this.held = 0;
  }

  /** UDP/TCP packets held now (requests and replies). */
  get heldCount(): number {
    return this.held;
  }

  /** Whether a UDP/TCP packet goes client -> server (see the module comment). */
  isRequest(p: ExchangePacket): boolean {
    const sp = this.servicePort;
    if (sp !== 0 && (p.dport === sp) !== (p.sport === sp)) return p.dport === sp;
    if (p.sport !== p.dport) return clientness(p.dport) < clientness(p.sport);
    return p.dir === 0;
  }

  private offerIcmp(p: ExchangePacket): void {
    const role = icmpRole(p);
    if (role === null) return;
    // key: proto family, echo id, seq (16 bits), direction of the request
    const reqDir = role === 'request' ? p.dir : p.dir ^ 1;
    const key = (((p.proto === IPPROTO_ICMPV6 ? 2 : 0) + reqDir) * 65536 + p.sport) * 65536 + (p.seq & 0xffff);
    const [mine, partners] = role === 'request' ? [this.icmpRequests, this.icmpReplies] : [this.icmpReplies, this.icmpRequests];
    const partner = partners.get(key);
    if (!partner) {
      keep(mine, key, p);
      return;
    }
    partners.delete(key);
    const [request, reply] = role === 'request' ? [p, partner] : [partner, p];
    this.sink.clockSample(request, reply);
    this.sink.exchange(request, reply);
  }

  private offerFlow(p: ExchangePacket, nowMs: number): void {
    const request = this.isRequest(p);
    // the server's host: where a request ends and a reply starts
    const t = request ? p.last[p.dest]! : p.first[p.origin]!;
    if (t !== t) return; // never seen on the server's host: nothing to pair by
    const key = p.flowHash | 0;
    let flow = this.flows.get(key);
    if (!flow) {
      flow = { key, requests: [], replies: [] };
      this.keepFlow(flow);
    }
    const h: Held = { p, t, at: nowMs, flow, settled: false, clocked: false };
    if (request) {
      insertByTime(flow.requests, h);
      this.held++;
      this.pruneRequests(flow, nowMs);
    } else {
      const before = latestBefore(flow.requests, t);
      if (before >= 0) {
        h.clocked = true;
        this.sink.clockSample(flow.requests[before]!.p, p);
      }
      insertByTime(flow.replies, h);
      this.ripening.push(h);
      this.held++;
      if (flow.replies.length > KEPT_PER_FLOW) this.settleEarly(flow, flow.replies[0]!);
    }
    while (this.held > this.maxHeld && this.settleOldestEarly()) {
      /* settled one */
    }
  }

  /**
   * Settle a flow's replies that left the server's host at or before `t`, oldest first. A run
   * of k requests followed by a run of m replies (in the server host's time) pairs its last
   * min(k, m) requests with its first min(k, m) replies, in order: one request and one reply is
   * the plain case; k > m: the older requests' replies were lost; k = m: a burst answered in
   * order (a client that sent two at once); k < m: the extra replies settle alone, unpaired.
   */
  private settleThrough(flow: FlowState, t: number): void {
    const reps = flow.replies;
    const reqs = flow.requests;
    let n = 0;
    /** requests before this index are answered or passed over */
    let used = 0;
    while (n < reps.length && reps[n]!.t <= t) {
      const runStart = reps[n]!.t;
      // the requests that reached the server's host before this reply left it (the oldest
      // replies settle first, so they are near the front)
      let last = used - 1;
      while (last + 1 < reqs.length && reqs[last + 1]!.t <= runStart) last++;
      const k = last - used + 1;
      if (k === 0) {
        reps[n++]!.settled = true; // its request was never seen: no exchange
        continue;
      }
      const nextRequest = last + 1 < reqs.length ? reqs[last + 1]!.t : Infinity;
      let m = 1;
      while (n + m < reps.length && reps[n + m]!.t < nextRequest) m++;
      const c = Math.min(k, m);
      for (let j = 0; j < c; j++) {
        const request = reqs[last - c + 1 + j]!;
        const reply = reps[n + j]!;
        reply.settled = true;
        if (!reply.clocked) this.sink.clockSample(request.p, reply.p);
        this.sink.exchange(request.p, reply.p);
      }
      used = last + 1;
      n += c;
    }
    this.held -= n + used;
    if (n > 0) reps.splice(0, n);
    if (used > 0) reqs.splice(0, used);
    if (reps.length === 0 && reqs.length === 0) this.flows.delete(flow.key);
  }

  /**
   * A request can answer only the replies that left between it and the next request. Once that
   * next one is ripe (held `holdMs`, and its hosts have sent what they recorded until it passed),
   * those replies have been offered too: settle them and let the older request go, so a flow that
   * gets no replies (one-way traffic) holds about `holdMs` of requests. Past KEPT_PER_FLOW the
   * oldest goes all the same.
   */
  private pruneRequests(flow: FlowState, nowMs: number): void {
    const reqs = flow.requests;
    while (reqs.length > 1) {
      const oldest = reqs[0]!;
      const next = reqs[1]!;
      const ripe = this.ripe(next, nowMs);
      if (!ripe && reqs.length <= KEPT_PER_FLOW) break;
      if (!ripe && flow.replies.length > 0 && flow.replies[0]!.t <= next.t) this.forcedEarly++;
      this.settleThrough(flow, next.t);
      if (reqs[0] === oldest) this.dropOldestRequest(flow);
    }
  }

  private settleEarly(flow: FlowState, reply: Held): void {
    this.forcedEarly++;
    this.settleThrough(flow, reply.t);
  }

  /** The oldest reply still held, settled before its hold ran out; false when none is held. */
  private settleOldestEarly(): boolean {
    while (this.ripeningHead < this.ripening.length) {
      const h = this.ripening[this.ripeningHead++]!;
      if (h.settled) continue;
      this.settleEarly(h.flow, h);
      return true;
    }
    // only requests are held: let the oldest flow's oldest request go
    for (const flow of this.flows.values()) {
      if (flow.requests.length > 0) {
        this.dropOldestRequest(flow);
        return true;
      }
    }
    return false;
  }

  private dropOldestRequest(flow: FlowState): void {
    flow.requests.shift();
    this.held--;
    if (flow.replies.length === 0 && flow.requests.length === 0) this.flows.delete(flow.key);
  }

  /** A new flow; past MAX_KEPT flows the oldest is settled (its replies paired now) and forgotten. */
  private keepFlow(flow: FlowState): void {
    if (this.flows.size >= MAX_KEPT) {
      const oldest = this.flows.values().next().value;
      if (oldest !== undefined) {
        if (oldest.replies.length > 0) this.forcedEarly += oldest.replies.length;
        this.settleThrough(oldest, Infinity);
        this.held -= oldest.requests.length;
        this.flows.delete(oldest.key);
      }
    }
    this.flows.set(flow.key, flow);
  }

  private compactRipening(): void {
    if (this.ripeningHead > 1024 && this.ripeningHead * 2 > this.ripening.length) {
      this.ripening = this.ripening.slice(this.ripeningHead);
      this.ripeningHead = 0;
    }
  }
}

/** Index of the last held packet at or before `t` (the list is in time order), -1 if none. */
function latestBefore(list: Held[], t: number): number {
  let i = list.length - 1;
  while (i >= 0 && list[i]!.t > t) i--;
  return i;
}

/** Insert keeping time order; packets come nearly in order, so look from the end. */
function insertByTime(list: Held[], h: Held): void {
  let i = list.length;
  while (i > 0 && list[i - 1]!.t > h.t) i--;
  if (i === list.length) list.push(h);
  else list.splice(i, 0, h);
}

function keep<T>(map: Map<number, T>, key: number, value: T): void {
  if (map.size >= MAX_KEPT) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(key, value);
}
