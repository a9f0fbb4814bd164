// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Test fixture for the native addon: a tc program writing one 64-byte record per packet into
 * the ring buffer `events` (counting ring-full drops), a per-CPU counter array, a hash map for
 * round trips, a classic tracepoint and a tp_btf program. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define FX_MAGIC 0x78746e66u /* "xtnf" */

struct fx_record {
	__u64 ts_ns;   /*  0 */
	__u64 seq;     /*  8 per-CPU sequence (counter C_SEEN before this run) */
	__u32 ifindex; /* 16 */
	__u32 len;     /* 20 */
	__u32 cpu;     /* 24 */
	__u32 magic;   /* 28 */
	__u8 pad[24];  /* 32 */
	__u64 check;   /* 56 seq ^ FX_CHECK: the record's last bytes are its own (a ring entry read whole) */
};

#define FX_CHECK 0x5a17c0de5a17c0deULL

enum fx_counter {
	FX_C_SEEN = 0,
	FX_C_EMITTED = 1,
	FX_C_RINGBUF_FULL = 2,
	FX_C_TRACEPOINT = 3,
	FX_C_TP_BTF = 4,
	FX_C_MAX = 8,
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FX_C_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* shaped like a staging map (u32 count, u32, then records), for openRingBuffer's option checks */
struct fx_staging {
	__u32 n;
	__u32 busy;
	__u64 first_ts;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fx_staging);
} staging SEC(".maps");

struct fx_kv {
	__u64 a;
	__u32 b;
	__u32 c;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct fx_kv);
} kv SEC(".maps");

static __always_inline __u64 bump(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);
	if (!v)
		return 0;
	return (*v)++;
}

SEC("tc")
int fx_tc(struct __sk_buff *skb)
{
	__u64 seq = bump(FX_C_SEEN);
	struct fx_record *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		bump(FX_C_RINGBUF_FULL);
		return TC_ACT_OK;
	}
	__builtin_memset(r, 0, sizeof(*r));
	r->ts_ns = bpf_ktime_get_ns();
	r->seq = seq;
	r->ifindex = skb->ifindex;
	r->len = skb->len;
	r->cpu = bpf_get_smp_processor_id();
	r->magic = FX_MAGIC;
	r->check = seq ^ FX_CHECK;
	bpf_ringbuf_submit(r, 0);
	bump(FX_C_EMITTED);
	return TC_ACT_OK;
}

SEC("tracepoint/net/netif_receive_skb")
int fx_tp(void *ctx)
{
	bump(FX_C_TRACEPOINT);
	return 0;
}

SEC("tp_btf/netif_receive_skb")
int fx_tp_btf(__u64 *ctx)
{
	bump(FX_C_TP_BTF);
	return 0;
}
