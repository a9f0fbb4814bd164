import type { TruthRecord } from './truth-log.js';

/**
 * Echo exchanges through one relay, from its truth log: a request it carried one way (ICMP echo
 * request, or a UDP datagram) and the reply it carried back. For a VM relay (a = the host's tap,
 * b = the VM) whose VM answers, an exchange's turnaround as the host sees it runs from the
 * kernel's transmit of the request on the host tap (the relay's enqueue stamp) to the relay's
 * write of the reply into that tap: the relay both ways, the guest's stack and its service,
 * measured per exchange, with nothing assumed about how those parts add up.
 *
 * Why per exchange: the median of a sum is not the sum of the medians. Under load the relay's
 * residences and the service's time have long right tails, and a p50 of their per-exchange sum
 * lies tens of µs above the sum of their p50s.
 */

/** Which exchange a frame belongs to (client, server, protocol, ports or echo id, first payload bytes), or undefined. */
export function echoExchangeKey(head: Buffer, role: 'request' | 'reply'): string | undefined {
  let l3 = 14;
  if (head.length < l3) return undefined;
  let type = head.readUInt16BE(12);
  if (type === 0x8100 && head.length >= 18) {
    type = head.readUInt16BE(16);
    l3 = 18;
  }
  if (type !== 0x0800 || head.length < l3 + 20) return undefined;
  const l4 = l3 + (head[l3]! & 0x0f) * 4;
  const proto = head[l3 + 9]!;
  const src = head.subarray(l3 + 12, l3 + 16).join('.');
  const dst = head.subarray(l3 + 16, l3 + 20).join('.');
  const [client, server] = role === 'request' ? [src, dst] : [dst, src];
  if (proto === 1 && head.length >= l4 + 8) {
    const icmpType = head[l4]!;
    if (icmpType !== (role === 'request' ? 8 : 0)) return undefined;
    return `icmp ${client} ${server} ${head.readUInt16BE(l4 + 4)} ${head.readUInt16BE(l4 + 6)}`;
  }
  if (proto === 17 && head.length >= l4 + 16) {
    const sport = head.readUInt16BE(l4);
    const dport = head.readUInt16BE(l4 + 2);
    const [cport, sport2] = role === 'request' ? [sport, dport] : [dport, sport];
    return `udp ${client}:${cport} ${server}:${sport2} ${head.subarray(l4 + 8, l4 + 16).toString('hex')}`;
  }
  return undefined;
}

interface EchoExchange {
  /** the exchange's key (echoExchangeKey) */
  key: string;
  /** the request's enqueue (its kernel transmit stamp) */
  requestNs: bigint;
  /** the relay's write of the reply */
  replyNs: bigint;
}

/** The exchanges whose both frames the relay forwarded, each request paired with the first reply after it, in reply order. */
function echoExchanges(log: readonly TruthRecord[], requests: 'ab' | 'ba'): EchoExchange[] {
  const open = new Map<string, bigint>();
  const out: EchoExchange[] = [];
  for (const r of log) {
    if (r.fate !== 'forwarded') continue;
    if (r.dir === requests) {
      const key = echoExchangeKey(r.head, 'request');
      if (key !== undefined && !open.has(key)) open.set(key, r.enqNs);
      continue;
    }
    const key = echoExchangeKey(r.head, 'reply');
    const sent = key === undefined ? undefined : open.get(key);
    if (sent === undefined || r.writeNs < sent) continue;
    out.push({ key: key!, requestNs: sent, replyNs: r.writeNs });
    open.delete(key!);
  }
  return out;
}

/**
 * Per exchange, ns from the request's enqueue (its kernel transmit stamp) in direction
 * `requests` to the reply's write in the other direction; only exchanges whose both frames the
 * relay forwarded, each request paired with the first reply after it.
 */
export function echoTurnaroundsNs(log: readonly TruthRecord[], requests: 'ab' | 'ba'): number[] {
  return echoExchanges(log, requests).map((e) => Number(e.replyNs - e.requestNs));
}

/**
 * Exchanges whose reply left after the next request of the same flow had arrived (a client that
 * sent two at once, or a server slower than the client's pace): xtrace pairs UDP/TCP by the
 * server host's order of packets (controller/src/analysis/request-reply-pairing.ts), and such an
 * overlap can leave a reply without its request there. Counted per flow (the key without its payload).
 */
export function overlappedExchanges(log: readonly TruthRecord[], requests: 'ab' | 'ba'): number {
  const byFlow = new Map<string, EchoExchange[]>();
  for (const e of echoExchanges(log, requests)) {
    const flow = e.key.split(' ').slice(0, 3).join(' ');
    const list = byFlow.get(flow);
    if (list) list.push(e);
    else byFlow.set(flow, [e]);
  }
  let n = 0;
  for (const list of byFlow.values()) {
    list.sort((a, b) => (a.requestNs < b.requestNs ? -1 : a.requestNs > b.requestNs ? 1 : 0));
    for (let i = 0; i + 1 < list.length; i++) if (list[i]!.replyNs > list[i + 1]!.requestNs) n++;
  }
  return n;
}
