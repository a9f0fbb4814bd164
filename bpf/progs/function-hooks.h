/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * fentry and kprobe hooks on tun and Open vSwitch functions: the best hooks where the kernel
 * offers them (they see vhost-net's tap traffic and OVS datapath ports that tc cannot), and
 * unavailable on kernels without fentry/kprobes or without the module: the agent probes each
 * one and reports why it fell back.
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

/* netif_receive_skb on the tap after tun_get_user built the skb from the guest (tap_rx). */
SEC("fentry/tun_get_user")
int BPF_PROG(xt_fentry_tun_get_user)
{
	/* tun_get_user builds the skb inside; its entry has none to identify. The tap_rx stage
	 * is observed at the tap's netif_receive_skb instead; this program only proves the
	 * hook exists so the report can say so. */
	return 0;
}

/* ovs_vport_receive(vport, skb, tun_info): a packet enters the OVS datapath (ovs_in). */
SEC("fentry/ovs_vport_receive")
int BPF_PROG(xt_fentry_ovs_vport_receive, void *vport, struct sk_buff *skb)
{
	xt_btf_dev_skb(skb, skb->dev, XT_DIR_INGRESS, XT_HOOK_FENTRY);
	return 0;
}

SEC("kprobe/ovs_vport_receive")
int BPF_KPROBE(xt_kprobe_ovs_vport_receive, void *vport, struct sk_buff *skb)
{
	xt_trace_dev_skb(skb, BPF_CORE_READ(skb, dev), XT_DIR_INGRESS, XT_HOOK_KPROBE);
	return 0;
}

/* ovs_vport_send(vport, skb, mac_proto): a packet leaves the OVS datapath (ovs_out). */
SEC("fentry/ovs_vport_send")
int BPF_PROG(xt_fentry_ovs_vport_send, void *vport, struct sk_buff *skb)
{
	xt_btf_dev_skb(skb, skb->dev, XT_DIR_EGRESS, XT_HOOK_FENTRY);
	return 0;
}

SEC("kprobe/ovs_vport_send")
int BPF_KPROBE(xt_kprobe_ovs_vport_send, void *vport, struct sk_buff *skb)
{
	xt_trace_dev_skb(skb, BPF_CORE_READ(skb, dev), XT_DIR_EGRESS, XT_HOOK_KPROBE);
	return 0;
}

/* Only the openvswitch module defines this tracepoint; its layout relocates by CO-RE. */
struct trace_event_raw_ovs_do_execute_action___xt {
	struct trace_entry ent;
	void *dpaddr;
	__u32 __data_loc_dp_name;
	__u32 __data_loc_dev_name;
	void *skbaddr;
} __attribute__((preserve_access_index));

SEC("tracepoint/openvswitch/ovs_do_execute_action")
int xt_tp_ovs_do_execute_action(struct trace_event_raw_ovs_do_execute_action___xt *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)BPF_CORE_READ(ctx, skbaddr);

	xt_trace_dev_skb(skb, BPF_CORE_READ(skb, dev), XT_DIR_EGRESS, XT_HOOK_TRACEPOINT);
	return 0;
}
