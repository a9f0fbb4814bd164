/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The parts of module types (tun, vhost, vhost_net, openvswitch, kvm) the programs read. They
 * are not in vmlinux.h, which holds only the build machine's vmlinux BTF; the `___xt` flavour
 * and preserve_access_index make libbpf relocate every field against the running kernel's
 * module BTF (CO-RE), so offsets follow the kernel, not this file. A program using a type of a
 * module that is not loaded fails to load, and the agent reports it as unavailable.
 */
#ifndef XTRACE_KERNEL_TYPES_H
#define XTRACE_KERNEL_TYPES_H

/* drivers/net/tun.c: the tap's queue; its socket is what vhost-net calls sendmsg/recvmsg on */
struct tun_struct___xt {
	struct net_device *dev;
} __attribute__((preserve_access_index));

struct tun_file___xt {
	struct socket socket;
	struct tun_struct___xt *tun;
} __attribute__((preserve_access_index));

/* include/linux/if_tun.h: vhost-net's batch of XDP buffers handed to tun_sendmsg */
struct tun_msg_ctl___xt {
	unsigned short type;
	unsigned short num;
	void *ptr;
} __attribute__((preserve_access_index));

#define XT_TUN_MSG_PTR 2        /* tun_msg_ctl.type: ptr is an array of num xdp_buffs */
#define XT_TUN_XDP_FLAG 0x1UL   /* a tun ring entry that is an XDP frame, not an skb */

/* drivers/vhost/vhost.h */
struct vhost_poll___xt {
	wait_queue_entry_t wait;
	__poll_t mask;
	void *dev;              /* struct vhost_dev */
} __attribute__((preserve_access_index));

struct vhost_virtqueue___xt {
	struct vhost_poll___xt poll; /* the guest's kicks */
	void *private_data;          /* the backend: for vhost-net, the tap's socket */
} __attribute__((preserve_access_index));

/* drivers/vhost/net.c: vqs[VHOST_NET_VQ_RX = 0], vqs[VHOST_NET_VQ_TX = 1] */
struct vhost_net_virtqueue___xt {
	struct vhost_virtqueue___xt vq;
} __attribute__((preserve_access_index));

struct vhost_dev___xt {
	void *mm;
} __attribute__((preserve_access_index));

struct vhost_net___xt {
	struct vhost_dev___xt dev;
	struct vhost_net_virtqueue___xt vqs[2];
} __attribute__((preserve_access_index));

/* net/openvswitch/vport.h, datapath.h */
struct vport___xt {
	struct net_device *dev;
} __attribute__((preserve_access_index));

struct dp_upcall_info___xt {
	__u8 cmd;
} __attribute__((preserve_access_index));

#define XT_OVS_PACKET_CMD_MISS 1 /* uapi openvswitch.h: a flow-cache miss, not a userspace action */

/* net/openvswitch/openvswitch_trace.h */
struct trace_event_raw_ovs_dp_upcall___xt {
	void *skbaddr;
	__u8 upcall_cmd;
} __attribute__((preserve_access_index));

struct trace_event_raw_ovs_do_execute_action___xt {
	void *skbaddr;
	__u8 action_type;
} __attribute__((preserve_access_index));

#define XT_OVS_ACTION_ATTR_OUTPUT 1 /* uapi openvswitch.h */

#define XT_EPOLLIN 0x1 /* a wake-up key: the eventfd was signalled */

#endif
