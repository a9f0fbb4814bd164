/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* tc (tcx or clsact) classifiers: the preferred hook for tap, bridge port, tunnel and NIC stages. */

/* Remembers which addresses a VM uses (source addresses at its tap's ingress, ARP senders). */
static __always_inline void xt_learn(struct __sk_buff *skb, const struct xt_reader *r)
{
	struct xt_learn_key key = { .ifindex = skb->ifindex };
	struct xt_learn_last *last;
	__u32 zero = 0;
	__u16 proto;
	__u32 addr = 1; /* IPv6 leaves it non-zero */
	__u64 now;

	if (xt_load(r, 12, &proto, sizeof(proto)))
		return;
	if (proto == bpf_htons(ETH_P_IP)) {
		if (xt_load(r, XT_ETH_HLEN + 12, &addr, sizeof(addr)))
			return;
		xt_map_v4(key.addr, addr);
	} else if (proto == bpf_htons(0x0806)) {
		if (xt_load(r, XT_ETH_HLEN + 14, &addr, sizeof(addr)))
			return;
		xt_map_v4(key.addr, addr);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		if (xt_load(r, XT_ETH_HLEN + 8, key.addr, 16))
			return;
		if (key.addr[0] == 0xfe && (key.addr[1] & 0xc0) == 0x80)
			return; /* link-local: not the VM's service address */
	} else {
		return;
	}
	if (addr == 0)
		return; /* DHCP discover / ARP probe from 0.0.0.0 */
	/*
	 * A VM sends from the same address packet after packet: the last address learned on this
	 * CPU answers without the LRU lookup (a hash and its cold buckets, per tap packet), and
	 * every 64th repeat still looks it up, which keeps the entry recently used in the LRU.
	 */
	last = bpf_map_lookup_elem(&xt_learn_last, &zero);
	if (last && last->ifindex == key.ifindex && last->addr_lo == xt_addr_word(key.addr, 0) &&
	    last->addr_hi == xt_addr_word(key.addr, 1) && (++last->repeats & 63))
		return;
	if (!bpf_map_lookup_elem(&xt_learned, &key)) {
		now = bpf_ktime_get_ns();
		bpf_map_update_elem(&xt_learned, &key, &now, BPF_ANY);
	}
	if (last) {
		last->ifindex = key.ifindex;
		last->addr_lo = xt_addr_word(key.addr, 0);
		last->addr_hi = xt_addr_word(key.addr, 1);
		last->repeats = 0;
	}
}

static __always_inline int xt_tc(struct __sk_buff *skb, __u32 dir)
{
	struct xt_config *cfg = xt_config();
	struct xt_reader r = { .tc = skb, .limit = skb->len };
	struct xt_where w = { .hook = XT_HOOK_TC, .ifindex = skb->ifindex, .len = skb->len };
	__u16 ethertype;
	int l3;

#ifdef XT_BENCH_HOOK_FLOOR
	return XT_TC_NEXT; /* build/xtrace-hook-floor.bpf.o: what running any program at this hook costs */
#endif
	if (!cfg)
		return XT_TC_NEXT;
	w.netns = cfg->netns; /* tc programs are attached only to the agent's own devices */
	xt_where_config(&w, cfg);
	w.stage = xt_stage_of(w.netns, w.ifindex, dir, XT_HOOK_TC);
	if (w.stage == XT_STAGE_TAP_RX)
		xt_learn(skb, &r);
	if (!cfg->active_probes)
		return XT_TC_NEXT;
	if (!w.stage) {
		xt_count(XT_C_NO_STAGE);
		return XT_TC_NEXT;
	}
	if (w.stage == XT_STAGE_TAP_RX)
		xt_vhost_take_send(&w);
	l3 = xt_parse_eth(&r, 0, &ethertype);
	if (l3 < 0) {
		xt_count(XT_C_PARSE_FAIL);
		return XT_TC_NEXT;
	}
	xt_observe(&r, l3, ethertype, &w);
	return XT_TC_NEXT;
}

SEC("tc")
int xt_tc_ingress(struct __sk_buff *skb)
{
	return xt_tc(skb, XT_DIR_INGRESS);
}

SEC("tc")
int xt_tc_egress(struct __sk_buff *skb)
{
	return xt_tc(skb, XT_DIR_EGRESS);
}
