/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Probe selection, consistent sampling and record emission, shared by every hook kind.
 */
#ifndef XTRACE_PROBE_H
#define XTRACE_PROBE_H

struct xt_selection {
	__u32 probe_mask;
	__u32 capture_mask; /* the selecting probes that asked for a capture (snaplen > 0) */
	__u32 snaplen;      /* the largest snaplen they asked for */
	__u8 reverse;
};

/*
 * A total order on addresses for the canonical pair key: the two native-endian (little
 * endian) 64-bit words, first then second. Any order works as long as user space
 * (node-agent bpf-layouts probeKey) uses the same one; words are cheaper than bytes.
 */
static __always_inline int xt_addr_cmp(const __u8 *a, const __u8 *b)
{
	__u64 a0 = *(const __u64 *)a, b0 = *(const __u64 *)b;
	__u64 a1 = *(const __u64 *)(a + 8), b1 = *(const __u64 *)(b + 8);

	if (a0 != b0)
		return a0 < b0 ? -1 : 1;
	if (a1 != b1)
		return a1 < b1 ? -1 : 1;
	return 0;
}


/*
 * Looks the packet's address pair up in xt_probes. Packets come in runs of the same pair, so
 * each CPU keeps the last pair it looked up (xt_pair_cache), found or not, and answers from it
 * without the hash lookup while the probe table's generation (xt_config.probes_gen, new with
 * every change user space makes) is the one the entry was filled under. Remembering misses is
 * what keeps the common case cheap: on a hypervisor almost every packet is of no probe.
 * *saddr_is_lo: whether the packet's source is the key's lower address (xt_select's direction).
 */
static __always_inline struct xt_probe_value *xt_lookup_pair(const struct xt_packet *p, __u32 gen, __u8 *saddr_is_lo)
{
	struct xt_probe_key key;
	struct xt_pair_cache *c;
	struct xt_probe_value *v;
	__u32 zero = 0;

	*saddr_is_lo = xt_addr_cmp(p->saddr, p->daddr) <= 0;
	if (*saddr_is_lo) {
		__builtin_memcpy(key.addr_lo, p->saddr, 16);
		__builtin_memcpy(key.addr_hi, p->daddr, 16);
	} else {
		__builtin_memcpy(key.addr_lo, p->daddr, 16);
		__builtin_memcpy(key.addr_hi, p->saddr, 16);
	}
	c = bpf_map_lookup_elem(&xt_pair_cache, &zero);
	if (c && c->state != XT_PAIR_EMPTY && c->gen == gen) {
		const __u64 *a = (const __u64 *)&c->key, *b = (const __u64 *)&key;

		if (a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3])
			return c->state == XT_PAIR_FOUND ? &c->value : NULL;
	}
	v = bpf_map_lookup_elem(&xt_probes, &key);
	if (!c)
		return v;
	/* the gen read before the lookup: a table changed meanwhile has a newer gen, so this entry misses */
	__builtin_memcpy(&c->key, &key, sizeof(key));
	c->gen = gen;
	if (!v) {
		c->state = XT_PAIR_ABSENT;
		return NULL;
	}
	__builtin_memcpy(&c->value, v, sizeof(*v));
	c->state = XT_PAIR_FOUND;
	return &c->value;
}

static __always_inline int xt_proto_matches(__u8 want, __u8 got)
{
	if (!want || want == got)
		return 1;
	/* "icmp" covers ICMPv6 for IPv6 pairs */
	return want == IPPROTO_ICMP && got == IPPROTO_ICMPV6;
}

/* Which probe slots select this packet (before sampling). */
static __always_inline struct xt_selection xt_select(const struct xt_probe_value *v, const struct xt_packet *p,
						     __u8 saddr_is_lo)
{
	struct xt_selection m = {};

#pragma unroll
	for (int i = 0; i < 4; i++) {
		const struct xt_probe_slot *s = &v->slots[i];

		if (!(v->slot_mask & (1u << i)))
			continue;
		if (!xt_proto_matches(s->proto, p->proto))
			continue;
		if (s->port && s->port != p->sport && s->port != p->dport)
			continue;
		if (!m.probe_mask)
			m.reverse = s->src_is_lo != saddr_is_lo; /* the packet's source is not the probe's --src */
		m.probe_mask |= 1u << (v->slot_ids[i] & (XT_MAX_PROBES - 1));
		if (s->snaplen) {
			m.capture_mask |= 1u << (v->slot_ids[i] & (XT_MAX_PROBES - 1));
			if (s->snaplen > m.snaplen)
				m.snaplen = s->snaplen;
		}
	}
	return m;
}

/* Consistent sampling: every host keeps the same packets without talking to each other. */
static __always_inline __u32 xt_sample(const struct xt_probe_value *v, __u32 mask, __u64 pkt_id)
{
	__u64 h = 0;
	int hashed = 0;

#pragma unroll
	for (int i = 0; i < 4; i++) {
		const struct xt_probe_slot *s = &v->slots[i];
		__u32 bit = 1u << (v->slot_ids[i] & (XT_MAX_PROBES - 1));

		if (!(v->slot_mask & (1u << i)) || !(mask & bit) || !s->sample_n)
			continue;
		if (!hashed) { /* only sampled probes pay for the hash */
			h = xt_mix64(pkt_id ^ 0x5a5a5a5a5a5a5a5aULL);
			hashed = 1;
		}
		if ((h % s->sample_n) >= s->sample_k)
			mask &= ~bit;
	}
	return mask;
}

struct xt_where {
	__u32 probes_gen;  /* xt_config.probes_gen when the program started */
	__u8 batch;        /* XT_CFG_BATCH: records go through the CPU's batch */
	__u8 vhost;        /* XT_CFG_VHOST: vhost-net programs are attached */
	__u8 hook;
	__u8 vhost_hook;   /* tap_rx in a vhost worker: the hook of its tun_sendmsg program */
	__u16 stage;
	__u32 netns;
	__u32 ifindex;
	__u32 len;
	__u32 drop_reason;
	__u64 drop_location;
	__u64 vhost_send_ts; /* tap_rx in a vhost worker: when the worker took the frame (vhost_tx); else 0 */
	__u64 vhost_kick_ts; /* ... and the guest kick that woke it (guest_kick); else 0 */
};

/* What every program takes from the configuration once it knows it is in scope. */
static __always_inline void xt_where_config(struct xt_where *w, const struct xt_config *cfg)
{
	w->probes_gen = cfg->probes_gen;
	w->batch = (cfg->flags & XT_CFG_BATCH) != 0;
	w->vhost = (cfg->flags & XT_CFG_VHOST) != 0;
}

/* What xt_keep says about capturing a kept packet: which kept probes asked, and how many bytes. */
struct xt_capture_want {
	__u32 mask;
	__u32 snaplen;
};

/*
 * The common path of every program once it knows where it is: parse, select, sample, identify.
 * Fills *rec (everything but nothing the caller does not know: ts is now) and returns true when a
 * probe keeps the packet. Every way a packet can leave without a record is counted. `cap` (may
 * be NULL: the caller never captures) gets the capture the kept probes asked for (mask 0: none).
 */
static __always_inline bool xt_keep(const struct xt_reader *r, __u32 l3_off, __u16 ethertype,
				    const struct xt_where *w, struct xt_record *rec, struct xt_capture_want *cap)
{
	struct xt_packet p = {};
	struct xt_probe_value *v;
	struct xt_selection m;
	__u8 saddr_is_lo;
	int ret;

	xt_count(XT_C_SEEN);
	ret = xt_parse(r, l3_off, ethertype, &p);
	if (ret == -2) {
		xt_count(XT_C_NOT_IP);
		return false;
	}
	if (ret < 0) {
		xt_count(XT_C_PARSE_FAIL);
		return false;
	}
	v = xt_lookup_pair(&p, w->probes_gen, &saddr_is_lo);
	if (!v)
		return false;
	if (xt_parse_l4(r, &p)) {
		xt_count(XT_C_PARSE_FAIL);
		return false;
	}
	m = xt_select(v, &p, saddr_is_lo);
	if (!m.probe_mask)
		return false;
	xt_count(XT_C_MATCHED);

#ifdef XT_ABLATE_IDENTITY /* bench-only build (bpf/Makefile bench): what the identity costs */
	__u64 pkt_id = p.id_words[1];
#else
	__u64 pkt_id = xt_packet_id(r, &p);
#endif
	__u32 mask = xt_sample(v, m.probe_mask, pkt_id);

	if (!mask) {
		xt_count(XT_C_SAMPLED_OUT);
		return false;
	}
	/*
	 * The clock is read once the packet is kept: packets of no probe, of another port or
	 * protocol, or sampled out never pay for it. Every stage reads it at the same point of the
	 * same code, so segment latencies (differences) do not move.
	 */
#ifdef XT_ABLATE_CLOCK /* bench-only: what the clock read costs */
	rec->ts_ns = pkt_id;
#else
	rec->ts_ns = bpf_ktime_get_ns();
#endif
	rec->pkt_id = pkt_id;
	rec->netns = w->netns;
	rec->ifindex = w->ifindex;
	rec->len = w->len;
	rec->drop_reason = w->drop_reason;
	rec->probe_mask = mask;
	rec->stage = w->stage;
	rec->hook = w->hook;
	rec->flags = p.flags | (m.reverse ? XT_F_REVERSE : 0);
	rec->sport = p.sport;
	rec->dport = p.dport;
	rec->proto = p.proto;
#ifdef XT_ABLATE_IDENTITY
	rec->flow_hash = p.sport;
#else
	rec->flow_hash = xt_flow_hash(&p);
#endif
	rec->seq = p.seq;
	rec->drop_location = w->drop_location;
	if (cap) {
		cap->mask = mask & m.capture_mask;
		cap->snaplen = m.snaplen;
	}
	return true;
}

/*
 * The first bytes of a kept packet whose probe asked for them (`xtrace pair --pcap`), on
 * xt_captures beside its record. tc programs only: they read the frame from its Ethernet
 * header with bpf_skb_load_bytes; a tracing program's reader starts at the network header
 * and does not capture. A capture that finds the ring full is counted (XT_C_CAPTURE_FULL).
 * The reader drains xt_captures on its timer: no wake-up per capture.
 */
_Static_assert((XT_CAPTURE_BYTES & (XT_CAPTURE_BYTES - 1)) == 0, "xt_capture masks its length with XT_CAPTURE_BYTES - 1");

static __always_inline void xt_capture(const struct xt_reader *r, const struct xt_record *rec, const struct xt_capture_want *cap)
{
	struct xt_capture *c;
	__u32 n;

	if (!r->tc)
		return;
	n = cap->snaplen < XT_CAPTURE_BYTES ? cap->snaplen : XT_CAPTURE_BYTES;
	if (n > r->limit)
		n = r->limit;
	c = bpf_ringbuf_reserve(&xt_captures, sizeof(*c), 0);
	if (!c) {
		xt_count(XT_C_CAPTURE_FULL);
		return;
	}
	c->ts_ns = rec->ts_ns;
	c->pkt_id = rec->pkt_id;
	c->probe_mask = cap->mask;
	c->len = rec->len;
	c->ifindex = rec->ifindex;
	c->stage = rec->stage;
	/*
	 * The length the verifier must see as 1..XT_CAPTURE_BYTES. A branch on n == 0 is not enough
	 * for Linux 6.1's verifier (it kept the 64-bit register's minimum at 0: "invalid access to
	 * memory, mem_size=160 off=32 size=0", and the whole object failed to load): the length is
	 * computed as ((n - 1) & (XT_CAPTURE_BYTES - 1)) + 1, whose bounds every verifier tracks. The
	 * barrier keeps clang from folding it back into n.
	 */
	if (n == 0 || n > XT_CAPTURE_BYTES) {
		n = 0;
	} else {
		__u64 len = n - 1;

		asm volatile("" : "+r"(len));
		len = (len & (XT_CAPTURE_BYTES - 1)) + 1;
		if (bpf_skb_load_bytes(r->tc, 0, c->data, len))
			n = 0;
	}
	c->caplen = n;
	bpf_ringbuf_submit(c, BPF_RB_NO_WAKEUP);
}

/*
 * The same packet's record at an earlier stage this program learned the time of (a tap_rx in a
 * vhost worker knows its vhost_tx and guest_kick): `rec` is emitted with that stage, time and
 * hook, and given back unchanged.
 */
static __always_inline void xt_emit_earlier(struct xt_record *rec, __u16 stage, __u64 ts, __u8 hook, int batched)
{
	__u64 ts0 = rec->ts_ns;
	__u16 stage0 = rec->stage;
	__u8 hook0 = rec->hook;

	rec->ts_ns = ts;
	rec->stage = stage;
	rec->hook = hook;
	xt_emit(rec, batched);
	rec->ts_ns = ts0;
	rec->stage = stage0;
	rec->hook = hook0;
}

/* Records a kept packet at `w`, with the earlier stages `w` carries. */
static __always_inline void xt_observe(const struct xt_reader *r, __u32 l3_off, __u16 ethertype,
				       const struct xt_where *w)
{
	struct xt_record rec = {};
	struct xt_capture_want cap;

	if (!xt_keep(r, l3_off, ethertype, w, &rec, &cap))
		return;
	if (cap.mask)
		xt_capture(r, &rec, &cap);
	if (w->vhost_kick_ts)
		xt_emit_earlier(&rec, XT_STAGE_GUEST_KICK, w->vhost_kick_ts, w->vhost_hook, w->batch);
	if (w->vhost_send_ts)
		xt_emit_earlier(&rec, XT_STAGE_VHOST_TX, w->vhost_send_ts, w->vhost_hook, w->batch);
#ifdef XT_ABLATE_EMIT /* bench-only: what handing the record to the ring costs (nothing is recorded) */
	asm volatile("" : : "r"(&rec) : "memory");
#else
	xt_emit(&rec, w->batch);
#endif
}

/* Which stage (if any) this device+direction of the agent's namespace is for this hook kind. */
static __always_inline int xt_stage_of(__u32 netns, __u32 ifindex, __u32 dir, __u8 hook)
{
	if (ifindex < XT_DEV_STAGE_SLOTS) {
		struct xt_dev_stage *d = bpf_map_lookup_elem(&xt_dev_stages, &ifindex);

		if (!d || d->hook[dir & 1] != hook)
			return 0;
		return d->stage[dir & 1];
	}
	struct xt_stage_key key = { .netns = netns, .ifindex = ifindex, .dir = dir };
	struct xt_stage_value *v = bpf_map_lookup_elem(&xt_stages, &key);

	if (!v || v->hook != hook)
		return 0;
	return v->stage;
}

#endif
