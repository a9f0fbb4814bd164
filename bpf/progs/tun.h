/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The tap's transmit to its VM (tap_tx) at tun_net_xmit: also the taps whose frames vhost-net
 * takes, which a tc egress hook sees as well, but fentry/kprobe need no per-device attachment.
 */

/* tun_net_xmit(skb, dev): the host hands a frame to the VM's tap (tap_tx). */
SEC("fentry/tun_net_xmit")
int BPF_PROG(xt_fentry_tun_net_xmit, struct sk_buff *skb, struct net_device *dev)
{
	xt_btf_dev_skb(skb, dev, XT_DIR_EGRESS, XT_HOOK_FENTRY);
	return 0;
}

SEC("kprobe/tun_net_xmit")
int BPF_KPROBE(xt_kprobe_tun_net_xmit, struct sk_buff *skb, struct net_device *dev)
{
	xt_trace_dev_skb(skb, dev, XT_DIR_EGRESS, XT_HOOK_KPROBE);
	return 0;
}
