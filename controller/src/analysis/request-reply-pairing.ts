/**
 * Pairs a request with its reply, from finalized packets of both directions.
 *
 * ICMP / ICMPv6 echo: the request (type 8 / 128) and the reply (type 0 / 129) with the same
 * echo id and sequence, in opposite directions. Exact.
 *
 * UDP / TCP (by roles and order): the client -> server direction of a flow carries the
 * requests. The server is the side of the probe's service port when one is given (`pair
 * --port`), else the side whose port is not ephemeral (below 32768), else the lower port; a
 * flow with equal ports takes the probe's forward direction (--src -> --dst) as its requests.
 * Roles are fixed per packet by its ports, never learned from the order packets happen to be
 * finalized in. The reply to a request is the first server packet that leaves the server's
 * host after the request reached it: a reply pairs with the latest unanswered request that
 * reached the server's host before the reply left it (one host's clock), and the requests
 * before that one are dropped (their replies were lost, or they were pipelined). A packet
 * finalized before its partner waits, a few per flow, so either may come first. So the gap
 * between a reply and the client's next request (think time) is never taken as a turnaround.
 * With several requests in flight (pipelining) the reply pairs with the latest one: valid
 * clock samples still (NTP needs any exchange; the delay filter drops bad ones), but then the
 * turnaround reads as "time between the last packet in and the next packet out".
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
/** unanswered requests, and replies waiting for their request, kept per flow */
const KEPT_PER_FLOW = 8;
/** ports from here up are taken as a client's ephemeral port (Linux starts at 32768) */
const EPHEMERAL_PORT_MIN = 32_768;

interface FlowState {
  /** unanswered requests, oldest first */
  requests: ExchangePacket[];
  /** replies finalized before their request, oldest first */
  replies: ExchangePacket[];
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

export interface PairerOptions {
  /** the probe's port filter: the side using it is the server */
  servicePort?: number;
}

export class RequestReplyPairer {
  private readonly icmpRequests = new Map<number, ExchangePacket>();
  private readonly icmpReplies = new Map<number, ExchangePacket>();
  private readonly flows = new Map<number, FlowState>();
  private readonly servicePort: number;

  constructor(opts: PairerOptions = {}) {
    this.servicePort = opts.servicePort ?? 0;
  }

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

  /** Whether a UDP/TCP packet goes client -> server (see the module comment). */
  isRequest(p: ExchangePacket): boolean {
    const sp = this.servicePort;
    if (sp !== 0 && (p.dport === sp) !== (p.sport === sp)) return p.dport === sp;
    if (p.sport !== p.dport) return clientness(p.dport) < clientness(p.sport);
    return p.dir === 0;
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
    let flow = this.flows.get(key);
    if (!flow) {
      flow = { requests: [], replies: [] };
      keep(this.flows, key, flow);
    }
    return this.isRequest(p) ? offerRequest(flow, p) : offerReply(flow, p);
  }
}

/** reached the server's host (the request's destination) before the reply left it */
function answers(request: ExchangePacket, reply: ExchangePacket): boolean {
  const server = request.dest;
  return request.last[server]! <= reply.first[server]!;
}

function offerReply(flow: FlowState, reply: ExchangePacket): Exchange | null {
  const reqs = flow.requests;
  for (let i = reqs.length - 1; i >= 0; i--) {
    const request = reqs[i]!;
    if (!answers(request, reply)) continue;
    reqs.splice(0, i + 1);
    return { request, reply };
  }
  pushBounded(flow.replies, reply);
  return null;
}

function offerRequest(flow: FlowState, request: ExchangePacket): Exchange | null {
  const reps = flow.replies;
  for (let i = 0; i < reps.length; i++) {
    const reply = reps[i]!;
    if (!answers(request, reply)) continue;
    // a later request that also came before this reply would be the better match
    if (flow.requests.some((r) => r.last[r.dest]! > request.last[request.dest]! && answers(r, reply))) break;
    reps.splice(0, i + 1);
    return { request, reply };
  }
  pushBounded(flow.requests, request);
  return null;
}

function pushBounded(list: ExchangePacket[], p: ExchangePacket): void {
  if (list.length >= KEPT_PER_FLOW) list.shift();
  list.push(p);
}

function keep<T>(map: Map<number, T>, key: number, value: T): void {
  if (map.size >= MAX_KEPT) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(key, value);
}
