/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Header parsing and packet identity, shared by every hook kind.
 *
 * A packet is read through struct xt_reader: tc programs read the skb with
 * bpf_skb_load_bytes (linear and paged data), tracing programs read the skb's linear
 * area with bpf_probe_read_kernel from its network header. Every load is bounds-checked
 * against the reader's limit, so the same parser serves both.
 *
 * Identity (docs/architecture.md "Packet identity"): a 64-bit hash of fields no hop rewrites:
 * inner addresses, IPv4 id/length/fragment offset (IPv6 payload length), protocol, L4
 * ports/lengths/TCP seq+ack+flags, ICMP type/code/id/seq, and up to 16 bytes of L4
 * payload. TTL, checksums (offloads leave them partial on some hops), MACs and outer
 * tunnel headers never enter it, so a packet has the same id bare and inside VXLAN/Geneve.
 */
#ifndef XTRACE_PACKET_H
#define XTRACE_PACKET_H

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define ETH_P_TEB 0x6558
#define IPPROTO_ICMP 1
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_ICMPV6 58
#define VXLAN_PORT 4789
#define GENEVE_PORT 6081
#define XT_ETH_HLEN 14

struct xt_reader {
	struct __sk_buff *tc;    /* tc: the context; tracing: NULL */
	const __u8 *base;        /* tracing: skb->head + network header */
	__u32 limit;             /* readable bytes from offset 0 */
	const __u8 *hdr;         /* tracing: the first `copied` bytes, copied once (xt_hdr) */
	__u32 copied;
};

/*
 * Copies `len` (a constant at every call) bytes read from the packet or the header copy in
 * 4-byte words when len allows: clang copies from a void * byte by byte (it cannot know the
 * alignment), which made the IPv4 header alone 20 loads and 20 stores, most of a non-matching
 * packet's cost (test/bench/README.md). The verifier allows unaligned packet and map-value
 * loads where the CPU does (x86, arm64), but not unaligned stack stores: every destination of
 * xt_load whose length is a multiple of 4 is 4-aligned (structs with u32 fields, or marked).
 */
static __always_inline void xt_copy(void *dst, const void *src, __u32 len)
{
	/*
	 * memcpy with the alignment promised, not stores through __u32 pointers: those break
	 * strict aliasing (the header is then read as u16 and u8 fields), and clang may reorder the
	 * reads before the stores.
	 */
	if (len >= 4 && (len & 3) == 0)
		__builtin_memcpy(__builtin_assume_aligned(dst, 4), __builtin_assume_aligned(src, 4), len);
	else if (len == 2)
		__builtin_memcpy(__builtin_assume_aligned(dst, 2), __builtin_assume_aligned(src, 2), 2);
	else
		__builtin_memcpy(dst, src, len);
}

static __always_inline int xt_load(const struct xt_reader *r, __u32 off, void *dst, __u32 len)
{
	if (off + len > r->limit)
		return -1;
	if (r->tc) {
		/* linear data: direct packet access, no helper call; paged data: load_bytes */
		void *data = (void *)(long)r->tc->data;
		void *end = (void *)(long)r->tc->data_end;

		if (off < 512) {
			/* the barrier keeps clang from folding the mask away: it is the bound the verifier needs */
			__u32 o = off;

			asm volatile("" : "+r"(o));
			o &= 0x1ff;
			void *at = data + o;

			if (at + len <= end) {
				xt_copy(dst, at, len);
				return 0;
			}
		}
		return bpf_skb_load_bytes(r->tc, off, dst, len);
	}
	/* tracing: headers come from the one copy made per packet, not a helper call per field */
	if (r->hdr && off + len <= r->copied) {
		__u32 o = off;

		asm volatile("" : "+r"(o));
		o &= 0xff;
		xt_copy(dst, r->hdr + o, len);
		return 0;
	}
	return bpf_probe_read_kernel(dst, len, r->base + off);
}

/* What the parser found: enough to filter, identify and describe the packet. */
struct xt_packet {
	__u8 saddr[16] __attribute__((aligned(8)));
	__u8 daddr[16] __attribute__((aligned(8)));
	__u64 id_words[3];       /* identity fields (L3 word, two L4 header words), hashed into pkt_id */
	__u32 l4_off;
	__u32 l4_len;
	__u32 payload_off;
	__u16 sport;
	__u16 dport;
	__u32 seq;
	__u8 proto;
	__u8 flags;              /* XT_F_TUNNEL, XT_F_IPV6 */
};

static __always_inline void xt_map_v4(__u8 *dst, __u32 addr)
{
	__builtin_memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	__builtin_memcpy(dst + 12, &addr, 4);
}

static __always_inline __u64 xt_mix64(__u64 k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

/*
 * A light per-word mix: the words of an identity are mixed independently (the multiplies run in
 * parallel, not as a chain of full finalizers), summed, and the sum gets one full xt_mix64.
 */
static __always_inline __u64 xt_lite(__u64 x, __u64 k)
{
	x ^= k;
	x ^= x >> 31;
	return x * 0x9e3779b97f4a7c15ULL;
}

static __always_inline __u64 xt_addr_word(const __u8 *a, int half)
{
	__u64 w;

	__builtin_memcpy(&w, a + half * 8, 8);
	return w;
}

/* Parses the IP header at off (inner headers when called after a tunnel). 0 on success. */
static __always_inline int xt_parse_l3(const struct xt_reader *r, __u32 off, __u16 ethertype,
				       struct xt_packet *p)
{
	if (ethertype == ETH_P_IP) {
		struct iphdr ip;

		if (xt_load(r, off, &ip, sizeof(ip)))
			return -1;
		if (ip.ihl < 5)
			return -1;
		xt_map_v4(p->saddr, ip.saddr);
		xt_map_v4(p->daddr, ip.daddr);
		p->proto = ip.protocol;
		p->id_words[0] = ((__u64)ip.id << 48) | ((__u64)ip.tot_len << 32) |
				 ((__u64)(ip.frag_off & bpf_htons(0x3fff)) << 16) | ip.protocol;
		p->l4_off = off + ip.ihl * 4;
		p->l4_len = bpf_ntohs(ip.tot_len) - ip.ihl * 4;
		/* non-first fragments carry no L4 header */
		if (ip.frag_off & bpf_htons(0x1fff))
			p->flags |= XT_F_FRAGMENT;
	} else if (ethertype == ETH_P_IPV6) {
		struct ipv6hdr ip6;

		if (xt_load(r, off, &ip6, sizeof(ip6)))
			return -1;
		__builtin_memcpy(p->saddr, &ip6.saddr, 16);
		__builtin_memcpy(p->daddr, &ip6.daddr, 16);
		p->proto = ip6.nexthdr;
		p->flags |= XT_F_IPV6;
		p->id_words[0] = ((__u64)ip6.payload_len << 32) | ip6.nexthdr;
		p->l4_off = off + sizeof(ip6);
		p->l4_len = bpf_ntohs(ip6.payload_len);
	} else {
		return -2;
	}

	return 0;
}

/* Parses the L4 header: only for packets whose address pair a probe watches. */
static __always_inline int xt_parse_l4(const struct xt_reader *r, struct xt_packet *p)
{
	if (p->flags & XT_F_FRAGMENT) {
		p->payload_off = p->l4_off;
		return 0;
	}
	if (p->proto == IPPROTO_TCP) {
		struct tcphdr th;
		__u8 doff_flags[2];

		if (xt_load(r, p->l4_off, &th, sizeof(th)))
			return -1;
		__builtin_memcpy(doff_flags, (__u8 *)&th + 12, 2);
		p->sport = bpf_ntohs(th.source);
		p->dport = bpf_ntohs(th.dest);
		p->seq = bpf_ntohl(th.seq);
		p->id_words[1] = ((__u64)th.source << 48) | ((__u64)th.dest << 32) | th.seq;
		p->id_words[2] = ((__u64)th.ack_seq << 32) | ((__u64)doff_flags[0] << 8) | doff_flags[1] |
				 ((__u64)(p->l4_len & 0xffff) << 16);
		p->payload_off = p->l4_off + sizeof(th);   /* options (timestamps) count as payload */
	} else if (p->proto == IPPROTO_UDP) {
		struct udphdr uh __attribute__((aligned(4))); /* xt_copy's word stores */

		if (xt_load(r, p->l4_off, &uh, sizeof(uh)))
			return -1;
		p->sport = bpf_ntohs(uh.source);
		p->dport = bpf_ntohs(uh.dest);
		p->id_words[1] = ((__u64)uh.source << 48) | ((__u64)uh.dest << 32) | ((__u64)uh.len << 16);
		p->payload_off = p->l4_off + sizeof(uh);
	} else if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6) {
		__u8 icmp[8] __attribute__((aligned(4))); /* xt_copy's word stores */
		__u16 id, seq;

		if (xt_load(r, p->l4_off, icmp, sizeof(icmp)))
			return -1;
		__builtin_memcpy(&id, icmp + 4, 2);
		__builtin_memcpy(&seq, icmp + 6, 2);
		p->sport = bpf_ntohs(id);
		p->dport = ((__u16)icmp[0] << 8) | icmp[1];
		p->seq = bpf_ntohs(seq);
		p->id_words[1] = ((__u64)icmp[0] << 40) | ((__u64)icmp[1] << 32) | ((__u64)id << 16) | seq;
		p->payload_off = p->l4_off + sizeof(icmp);
	} else {
		p->payload_off = p->l4_off;
	}
	return 0;
}

/* If the UDP packet at p is a VXLAN/Geneve encapsulation, returns the inner Ethernet offset. */
static __always_inline int xt_tunnel_inner(const struct xt_reader *r, const struct xt_packet *p)
{
	__u16 dport;

	if (p->proto != IPPROTO_UDP || (p->flags & XT_F_FRAGMENT))
		return -1;
	if (xt_load(r, p->l4_off + 2, &dport, sizeof(dport)))
		return -1;
	dport = bpf_ntohs(dport);
	if (dport == VXLAN_PORT)
		return p->l4_off + sizeof(struct udphdr) + 8;
	if (dport == GENEVE_PORT) {
		__u8 gh[4] __attribute__((aligned(4))); /* xt_copy's word stores */

		if (xt_load(r, p->l4_off + sizeof(struct udphdr), gh, sizeof(gh)))
			return -1;
		/* only Ethernet payloads (protocol type 0x6558) carry a frame we can parse */
		if (((__u16)gh[2] << 8 | gh[3]) != ETH_P_TEB)
			return -1;
		return p->l4_off + sizeof(struct udphdr) + 8 + (gh[0] & 0x3f) * 4;
	}
	return -1;
}

/* Parses an Ethernet frame at off (one VLAN tag allowed); returns the L3 offset, sets *proto. */
static __always_inline int xt_parse_eth(const struct xt_reader *r, __u32 off, __u16 *ethertype)
{
	__u16 proto;

	if (xt_load(r, off + 12, &proto, sizeof(proto)))
		return -1;
	off += XT_ETH_HLEN;
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		if (xt_load(r, off + 2, &proto, sizeof(proto)))
			return -1;
		off += 4;
	}
	*ethertype = bpf_ntohs(proto);
	return off;
}

/*
 * Parses the packet from its L3 header at l3_off (outer) and descends one tunnel level to
 * the innermost IP header: addresses and protocol, enough to look the pair up. L4 waits
 * for xt_parse_l4. Returns 0, -1 (unreadable), -2 (not IP).
 */
static __always_inline int xt_parse(const struct xt_reader *r, __u32 l3_off, __u16 ethertype,
				    struct xt_packet *p)
{
	int ret, inner;

	ret = xt_parse_l3(r, l3_off, ethertype, p);
	if (ret < 0)
		return ret;
	inner = xt_tunnel_inner(r, p);
	if (inner >= 0) {
		__u16 inner_type;
		int l3 = xt_parse_eth(r, inner, &inner_type);

		if (l3 < 0)
			return -1;
		p->flags = 0;
		ret = xt_parse_l3(r, l3, inner_type, p);
		if (ret < 0)
			return ret; /* -2: tunnelled non-IP (ARP) */
		p->flags |= XT_F_TUNNEL;
	}
	return 0;
}

/* Finishes the identity: payload bytes, then the hash. Call only for packets a probe selected. */
static __always_inline __u64 xt_packet_id(const struct xt_reader *r, struct xt_packet *p)
{
	__u8 payload[XT_PAYLOAD_ID_BYTES] __attribute__((aligned(8))) = {};
	__u64 pay0, pay1;

	if (xt_load(r, p->payload_off, payload, 16))
		if (xt_load(r, p->payload_off, payload, 8))
			xt_load(r, p->payload_off, payload, 4);
	__builtin_memcpy(&pay0, payload, 8);
	__builtin_memcpy(&pay1, payload + 8, 8);
	/* each word with its own key, so equal values in different fields do not cancel */
	return xt_mix64(xt_lite(xt_addr_word(p->saddr, 0), 0x7874726163650001ULL) +
			xt_lite(xt_addr_word(p->saddr, 1), 0x243f6a8885a308d3ULL) +
			xt_lite(xt_addr_word(p->daddr, 0), 0x13198a2e03707344ULL) +
			xt_lite(xt_addr_word(p->daddr, 1), 0xa4093822299f31d0ULL) +
			xt_lite(p->id_words[0], 0x082efa98ec4e6c89ULL) +
			xt_lite(p->id_words[1], 0x452821e638d01377ULL) +
			xt_lite(p->id_words[2], 0xbe5466cf34e90c6cULL) +
			xt_lite(pay0, 0xc0ac29b7c97c50ddULL) +
			xt_lite(pay1, 0x3f84d5b5b5470917ULL));
}

/* Direction-independent flow hash: equal for a request and its reply. */
static __always_inline __u32 xt_flow_hash(const struct xt_packet *p)
{
	__u64 pa = p->sport, pb = p->dport;
	__u64 a, b, h;

	if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6)
		pa = pb = p->sport; /* echo id both ways; type differs */
	/* each end: its address and port; the ends combine symmetrically (sum and product) */
	a = xt_lite(xt_addr_word(p->saddr, 0) ^ (xt_addr_word(p->saddr, 1) + pa), 0x9216d5d98979fb1bULL);
	b = xt_lite(xt_addr_word(p->daddr, 0) ^ (xt_addr_word(p->daddr, 1) + pb), 0x9216d5d98979fb1bULL);
	h = xt_mix64((a + b) ^ (a * b + p->proto));
	return (__u32)(h ^ (h >> 32));
}

#endif
