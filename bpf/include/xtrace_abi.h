/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * xtrace kernel/user ABI: record layout, stage and hook ids, map keys and values.
 * The TypeScript twin is proto/src/record-layout.ts; a test checks the two agree
 * (sizes and offsets), so change both together.
 */
#ifndef XTRACE_ABI_H
#define XTRACE_ABI_H

#define XT_MAX_PROBES 32        /* probe slots: one bit each in xt_record.probe_mask */
#define XT_HDR_COPY 192         /* header bytes copied from an skb before parsing */
#define XT_PAYLOAD_ID_BYTES 16  /* L4 payload bytes folded into the packet id */
#define XT_WAKEUP_BYTES (256 << 10) /* ring buffer data that wakes the reader (~3600 records; rings are >= 1 MiB) */
#define XT_CAPTURE_BYTES 128    /* most packet bytes a capture holds (xt_probe_slot.snaplen is clipped to it) */

/* Stages of the path model (docs/architecture.md "Path model and segments"). */
enum xt_stage {
	XT_STAGE_NONE = 0,
	XT_STAGE_VHOST_TX = 1,   /* guest -> host: vhost worker took the frame */
	XT_STAGE_TAP_RX = 2,     /* host received the frame from the VM's tap */
	XT_STAGE_OVS_IN = 3,     /* switch (OVS or bridge) ingress */
	XT_STAGE_OVS_OUT = 4,    /* switch egress */
	XT_STAGE_TUNNEL_TX = 5,  /* overlay device egress: before encapsulation */
	XT_STAGE_NIC_TX = 6,     /* physical NIC egress */
	XT_STAGE_NIC_RX = 7,     /* physical NIC ingress */
	XT_STAGE_TUNNEL_RX = 8,  /* overlay device ingress: after decapsulation */
	XT_STAGE_TAP_TX = 9,     /* host sent the frame to the VM's tap */
	XT_STAGE_VHOST_RX = 10,  /* vhost worker handed the frame to the guest */
	XT_STAGE_KVM_IRQ = 11,   /* interrupt injected into the guest */
	XT_STAGE_DROP = 12,      /* skb:kfree_skb saw the packet freed as a drop */
	XT_STAGE_GUEST_KICK = 13,/* the guest's kick that woke the vhost worker which then took the frame */
	XT_STAGE_OVS_UPCALL = 14,/* the OVS datapath missed its flow cache and sent the packet to ovs-vswitchd */
	XT_STAGE_MAX = 15,
};

/* How the record was observed. */
enum xt_hook {
	XT_HOOK_TC = 1,          /* tcx or clsact classifier */
	XT_HOOK_TRACEPOINT = 2,  /* classic tracepoint */
	XT_HOOK_TP_BTF = 3,      /* BTF-typed raw tracepoint */
	XT_HOOK_FENTRY = 4,
	XT_HOOK_KPROBE = 5,
};

enum xt_record_flags {
	XT_F_REVERSE = 1 << 0,   /* packet goes dst -> src of the probe (a reply) */
	XT_F_TUNNEL = 1 << 1,    /* seen inside a VXLAN/Geneve encapsulation */
	XT_F_IPV6 = 1 << 2,
	XT_F_FRAGMENT = 1 << 3,  /* a non-first IPv4 fragment: no L4 header */
};

/* One observation of one packet at one stage. 64 bytes, little endian, packed by layout. */
struct xt_record {
	__u64 ts_ns;        /*  0 CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 pkt_id;       /*  8 packet identity, equal on every host and hook */
	__u32 netns;        /* 16 network namespace inode */
	__u32 ifindex;      /* 20 */
	__u32 len;          /* 24 skb->len at the hook */
	__u32 drop_reason;  /* 28 enum skb_drop_reason, XT_STAGE_DROP only */
	__u32 probe_mask;   /* 32 bit i: probe slot i selected this packet */
	__u16 stage;        /* 36 enum xt_stage */
	__u8 hook;          /* 38 enum xt_hook */
	__u8 flags;         /* 39 enum xt_record_flags */
	__u16 sport;        /* 40 host order; ICMP: echo id */
	__u16 dport;        /* 42 host order; ICMP: type << 8 | code */
	__u8 proto;         /* 44 IPPROTO_* */
	__u8 pad0[3];       /* 45 */
	__u32 flow_hash;    /* 48 direction-independent hash of the 5-tuple */
	__u32 seq;          /* 52 TCP seq, ICMP echo seq, else 0 */
	__u64 drop_location;/* 56 kfree_skb location (kernel text address) */
};

/*
 * A kept packet's first bytes (xt_probe_slot.snaplen asked for them), on the xt_captures ring, for
 * `xtrace pair --pcap`: the record ABI stays as it is; a capture joins its record by pkt_id,
 * stage and ts. Only tc programs capture (they see the frame from its Ethernet header); tracing
 * programs do not. 160 bytes, little endian.
 */
struct xt_capture {
	__u64 ts_ns;        /*  0 the record's ts_ns */
	__u64 pkt_id;       /*  8 */
	__u32 probe_mask;   /* 16 the kept probes that asked for a capture */
	__u32 len;          /* 20 skb->len: the frame's length on the wire */
	__u32 ifindex;      /* 24 */
	__u16 stage;        /* 28 enum xt_stage */
	__u16 caplen;       /* 30 bytes of data[] that are the frame's */
	__u8 data[XT_CAPTURE_BYTES]; /* 32 the frame from its Ethernet header */
};

/* xt_probes: hash map. Key: the probe's address pair in canonical order (lower first). */
struct xt_probe_key {
	__u8 addr_lo[16];   /* IPv4 as ::ffff:a.b.c.d mapped */
	__u8 addr_hi[16];
};

struct xt_probe_slot {
	__u8 proto;         /* 0 any, else IPPROTO_ICMP/ICMPV6/UDP/TCP */
	__u8 src_is_lo;     /* the probe's --src is the key's addr_lo: tells forward from reverse */
	__u16 port;         /* 0 any, else matches sport or dport (host order) */
	__u32 sample_n;     /* keep a packet when hash(id) % sample_n < sample_k; n=0 keeps all */
	__u32 sample_k;
	__u32 snaplen;      /* 0: no capture; else capture the first min(snaplen, XT_CAPTURE_BYTES) bytes (tc stages) */
};

/*
 * Value: every probe slot on this address pair (several probes may share one pair). Small on
 * purpose: the per-CPU pair cache holds a copy next to its key, and a packet of a probe with
 * one slot reads key, mask, ids and that slot from the cache's first 64 bytes.
 */
struct xt_probe_value {
	__u32 slot_mask;    /* which of slots[] are in use */
	__u8 slot_ids[4];   /* probe slot index (0..XT_MAX_PROBES-1) for each slots[] entry */
	struct xt_probe_slot slots[4];
};

/* xt_stages: hash map, which stage an (netns, ifindex, direction) is. */
struct xt_stage_key {
	__u32 netns;
	__u32 ifindex;
	__u32 dir;          /* 0 ingress, 1 egress */
};

struct xt_stage_value {
	__u32 stage;        /* enum xt_stage */
	__u32 hook;         /* enum xt_hook that owns this device+direction: others ignore it */
};

/*
 * xt_dev_stages: array indexed by ifindex (< XT_DEV_STAGE_SLOTS) in the agent's namespace, the
 * same as xt_stages for those devices: an array lookup is inlined by the verifier, a hash
 * lookup is a call, and programs look a stage up for every packet of a device (tracepoints:
 * of every device in the namespace). Larger ifindexes use xt_stages.
 */
#define XT_DEV_STAGE_SLOTS 65536

struct xt_dev_stage {
	__u16 stage[2];     /* by direction: 0 ingress, 1 egress; 0 = not a stage */
	__u8 hook[2];       /* enum xt_hook that owns the stage in that direction */
	__u16 pad;
};

/* xt_learned: LRU hash, an address seen as source at a tap_rx device. Value: last seen ns. */
struct xt_learn_key {
	__u32 ifindex;
	__u32 pad;
	__u8 addr[16];      /* IPv4 as ::ffff:a.b.c.d */
};

/* xt_counters: per-CPU array of one xt_counter_set, indexed by enum xt_counter. Every drop is counted. */
enum xt_counter {
	XT_C_SEEN = 0,           /* program invocations while a probe is active */
	XT_C_MATCHED = 1,        /* packets selected by a probe (before sampling) */
	XT_C_SAMPLED_OUT = 2,    /* matched but not kept by sampling */
	XT_C_EMITTED = 3,        /* records written to the ring buffer */
	XT_C_RINGBUF_FULL = 4,   /* records lost: ring buffer full */
	XT_C_PARSE_FAIL = 5,     /* headers unreadable or truncated */
	XT_C_NOT_IP = 6,         /* not IPv4/IPv6 (ARP, LLDP, ...) */
	XT_C_NO_STAGE = 7,       /* device/direction not a stage in scope */
	XT_C_OTHER_NETNS = 8,    /* tracepoint hit outside the agent's namespace */
	XT_C_DROP_NO_DEV = 9,    /* kfree_skb of a matching packet with no device to scope it */
	XT_C_IRQ_SUPPRESSED = 10,/* vhost_rx records whose batch raised no interrupt (the guest polled): no kvm_irq */
	XT_C_IRQ_OVERFLOW = 11,  /* vhost_rx records beyond XT_IRQ_BATCH in one batch: no kvm_irq */
	XT_C_VHOST_XDP = 12,     /* frames the vhost worker took from the tap as XDP frames: no skb, no vhost_rx */
	XT_C_VHOST_STATE = 13,   /* vhost stages lost because the per-worker state could not be created */
	XT_C_CAPTURE_FULL = 14,  /* packet captures lost: xt_captures full */
	XT_C_MAX = 15,
};

struct xt_counter_set {
	__u64 c[XT_C_MAX];
};

/* xt_config: array of one. */
struct xt_config {
	__u32 active_probes;     /* 0: programs return at once */
	__u32 netns;             /* the agent's namespace inode (scope of tracepoints) */
	__u32 probes_gen;        /* new with every write: cached xt_probes entries of older ones are stale */
	__u32 flags;             /* enum xt_config_flags */
};

enum xt_config_flags {
	/*
	 * Records wait in the CPU's xt_batch and go to the ring XT_BATCH_RECORDS at a time. Only
	 * for a reader that runs xt_flush_batch on every CPU with records waiting, on a timer
	 * (the addon's drain thread, openRingBuffer's `staging` option): else they could wait forever.
	 */
	XT_CFG_BATCH = 1 << 0,
	/*
	 * vhost-net programs are attached: a tap's receive in a vhost worker looks up the worker's
	 * state for the frame's vhost_tx (and guest_kick) times. Off: tap_rx pays nothing for it.
	 */
	XT_CFG_VHOST = 1 << 1,
};

/*
 * Per CPU, records waiting for the ring (XT_CFG_BATCH): one ring entry of n records (n * 64
 * bytes) instead of n entries, which makes a record's share of the ring's reserve/commit, its
 * lock, the wake-up check and the counter update a 32nd. 32, not 8: 4-12 % less BPF time per RR
 * in the lab (same-run A/Bs; 64 gained nothing more). A batch that fills slowly holds records
 * longer on a quiet CPU and reorders them across CPUs more; the drain thread flushes a CPU's
 * batch by age, and the controller pairs requests with replies in the server host's time, not
 * in arrival order, so neither the wait nor the order changes a result.
 */
#define XT_BATCH_RECORDS 32

struct xt_batch {
	__u32 n;            /* records waiting in r[]: user space reads it to know which CPUs to flush */
	__u32 busy;         /* a program on this CPU is inside the batch: a nested one emits directly */
	struct xt_record r[XT_BATCH_RECORDS];
};

/*
 * Per vhost worker (keyed by its task): what its current tun_sendmsg call delivers to the tap
 * (the frames' vhost_tx time and the guest kick that woke the worker), and the records of the
 * frames it copied to the guest since its last interrupt request, which get their kvm_irq
 * stage when the worker signals the guest (vhost_add_used_and_signal_n -> irqfd_wakeup).
 */
#define XT_IRQ_BATCH 64

struct xt_vhost_task {
	__u64 send_ts;      /* tun_sendmsg entry; 0: no frame of a call waits for its tap_rx */
	__u64 kick_ts;      /* the kick that woke the worker for this call; 0: none */
	__u32 send_ifindex; /* the tap the call writes to */
	__u16 send_left;    /* frames of the call not yet seen at tap_rx (XDP batches carry several) */
	__u8 send_hook;     /* enum xt_hook of the tun_sendmsg program */
	__u8 irq_armed;     /* the worker asked to signal the guest for irq[]: the next interrupt is theirs */
	__u32 irq_n;        /* records waiting in irq[] */
	__u32 pad;
	struct xt_record irq[XT_IRQ_BATCH];
};

#endif
