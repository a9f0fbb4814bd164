/**
 * Pairs a request with its reply, from finalized packets of both directions.
 *
 * ICMP / ICMPv6 echo: the request (type 8 / 128) and the reply (type 0 / 129) with the same
 * echo id and sequence, in opposite directions. Exact.
 *
 * UDP / TCP (heuristic): the reply to a packet P of a flow (same flow_hash: the 5-tuple hash
 * is direction independent, so ports come swapped) is the first packet of the opposite
 * direction that leaves P's destination host after P reached it. Per flow we keep the
 * latest unanswered packet of each direction; a new packet Q is paired with the kept
 * packet K of the other direction when, on one host, the order is certain:
 *   K arrived at Q's origin host before Q left it    -> (K request, Q reply)
 *   Q arrived at K's origin host before K left it    -> (Q request, K reply)
 * (both comparisons use a single host's clock). A packet used as a reply is not kept as a
 * request, so the gap between a reply and the client's next request (think time) is never
 * taken as a turnaround; and once a flow's first pair is found, its requests are taken to
 * go that way only (a stray packet of the server's side does not flip the roles). With several requests in flight before a reply (pipelining) the
 * reply pairs with the latest one; that still gives valid clock samples (NTP needs any
 * exchange, the delay filter drops bad ones), but the turnaround of pipelined or one-way
 * streams is not meaningful and should be read as "time between the last packet in and
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
}

export interface Exchange {
  request: ExchangePacket;
  reply: ExchangePacket;
}

const MAX_KEPT = 65_536;

interface FlowState {
  packets: [ExchangePacket | null, ExchangePacket | null];
  /** direction of this flow's requests, learned from its first pair (-1: not yet) */
  requestDir: number;
}

function icmpRole(p: ExchangePacket): 'request' | 'reply' | null {
  const type = p.dport >>> 8;
  if (p.proto === IPPROTO_ICMP) return type === 8 ? 'request' : type === 0 ? 'reply' : null;
  if (p.proto === IPPROTO_ICMPV6) return type === 128 ? 'request' : type === 129 ? 'reply' : null;
  return null;
}

export class RequestReplyPairer {
  private readonly icmpRequests = new Map<number, ExchangePacket>();
  private readonly icmpReplies = new Map<number, ExchangePacket>();
  /** flow_hash -> kept packet per direction, and the direction its requests go once known */
  private readonly flows = new Map<number, FlowState>();

  /** Offer a finalized packet; returns the exchange it completes, if any. */
  offer(p: ExchangePacket): Exchange | null {
    if (p.proto === IPPROTO_ICMP || p.proto === IPPROTO_ICMPV6) return this.offerIcmp(p);
    if (p.proto === IPPROTO_UDP || p.proto === IPPROTO_TCP) return this.offerFlow(p);
    return null;
  }

  clear(): void {
    this.icmpRequests.clear();
    this.icmpReplies.clear();
    this.flows.clear();
  }

  private offerIcmp(p: ExchangePacket): Exchange | null {
    const role = icmpRole(p);
    if (role === null) return null;
    // key: proto family, echo id, seq (16 bits), direction of the request
    const reqDir = role === 'request' ? p.dir : p.dir ^ 1;
    const key = (((p.proto === IPPROTO_ICMPV6 ? 2 : 0) + reqDir) * 65536 + p.sport) * 65536 + (p.seq & 0xffff);
    if (role === 'request') {
      const reply = this.icmpReplies.get(key);
      if (reply) {
        this.icmpReplies.delete(key);
        return { request: p, reply };
      }
      keep(this.icmpRequests, key, p);
    } else {
      const request = this.icmpRequests.get(key);
      if (request) {
        this.icmpRequests.delete(key);
        return { request, reply: p };
      }
      keep(this.icmpReplies, key, p);
    }
    return null;
  }

  private offerFlow(p: ExchangePacket): Exchange | null {
    const key = p.flowHash | 0;
    let kept = this.flows.get(key);
    if (!kept) {
      if (this.flows.size >= MAX_KEPT) {
        const oldest = this.flows.keys().next().value;
        if (oldest !== undefined) this.flows.delete(oldest);
      }
      kept = { packets: [null, null], requestDir: -1 };
      this.flows.set(key, kept);
    }
    const other = kept.packets[p.dir ^ 1];
    if (other) {
      // other arrived at p's origin host before p left it: other is the request
      const a = other.last[p.origin]!;
      const b = p.first[p.origin]!;
      if (a <= b && kept.requestDir !== p.dir) {
        kept.packets[p.dir ^ 1] = null;
        kept.requestDir = other.dir;
        return { request: other, reply: p };
      }
      // p arrived at other's origin host before other left it: p is the request
      const c = p.last[other.origin]!;
      const d = other.first[other.origin]!;
      if (c <= d && kept.requestDir !== other.dir) {
        kept.packets[p.dir ^ 1] = null;
        kept.requestDir = p.dir;
        return { request: p, reply: other };
      }
    }
    kept.packets[p.dir] = p;
    return null;
  }
}

function keep(map: Map<number, ExchangePacket>, key: number, p: ExchangePacket): void {
  if (map.size >= MAX_KEPT) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(key, p);
}
