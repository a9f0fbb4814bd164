/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Maps shared by every xtrace program (names are the user-space contract). */
#ifndef XTRACE_MAPS_H
#define XTRACE_MAPS_H

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* the agent sizes it before load (--ring-buffer-mb) */
} xt_events SEC(".maps");

/* packet captures (struct xt_capture) of probes that asked for them; read only while one does */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} xt_captures SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct xt_probe_key);
	__type(value, struct xt_probe_value);
} xt_probes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct xt_stage_key);
	__type(value, struct xt_stage_value);
} xt_stages SEC(".maps");

/* one element per CPU holding every counter: a counter bump touches one cache line, not one per counter */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xt_counter_set);
} xt_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xt_config);
} xt_config_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XT_DEV_STAGE_SLOTS);
	__type(key, __u32);
	__type(value, struct xt_dev_stage);
} xt_dev_stages SEC(".maps");

/* VM addresses learned at tap ingress: which address lives behind which tap. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct xt_learn_key);
	__type(value, __u64);
} xt_learned SEC(".maps");

static __always_inline void xt_count_n(__u32 counter, __u32 n)
{
	__u32 zero = 0;
	struct xt_counter_set *v = bpf_map_lookup_elem(&xt_counters, &zero);

	if (v && counter < XT_C_MAX)
		v->c[counter] += n;
}

static __always_inline void xt_count(__u32 counter)
{
	xt_count_n(counter, 1);
}

static __always_inline struct xt_config *xt_config(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&xt_config_map, &zero);
}

/*
 * Per CPU: a tracing program's copy of a packet's first XT_HDR_COPY bytes from its network
 * header (one bpf_probe_read_kernel instead of one per header field). Larger than the copy so
 * that a read at any masked offset (< 256) of any header (<= 64 bytes) stays inside.
 */
struct xt_hdr_buf {
	__u8 b[256 + 64];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xt_hdr_buf);
} xt_hdr SEC(".maps");

/* Per CPU: records waiting for the ring (struct xt_batch, XT_CFG_BATCH). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xt_batch);
} xt_batch SEC(".maps");

/* Per CPU: the address pair looked up last in xt_probes, and its value if it was there (xt_lookup_pair). */
enum xt_pair_state {
	XT_PAIR_EMPTY = 0,
	XT_PAIR_FOUND = 1,
	XT_PAIR_ABSENT = 2,
};

struct xt_pair_cache {
	__u32 gen;
	__u32 state; /* enum xt_pair_state */
	struct xt_probe_key key;
	struct xt_probe_value value;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xt_pair_cache);
} xt_pair_cache SEC(".maps");

/* Per CPU: the address learned last (xt_learn skips the LRU lookup while it repeats). */
struct xt_learn_last {
	__u32 ifindex;
	__u32 repeats;
	__u64 addr_lo;
	__u64 addr_hi;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xt_learn_last);
} xt_learn_last SEC(".maps");

/*
 * vhost workers' state (struct xt_vhost_task), keyed by the worker's task pointer. LRU: a
 * worker that exits leaves its entry behind, and the oldest goes first when the map is full.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, struct xt_vhost_task);
} xt_vhost_tasks SEC(".maps");

/* A zeroed xt_vhost_task to create entries from (too large for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xt_vhost_task);
} xt_vhost_blank SEC(".maps");

/*
 * Guest kicks not yet taken by their worker: the TX virtqueue's backend socket (the tap's) ->
 * the kick's time. The worker's next tun_sendmsg on that socket takes it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u64);
} xt_vhost_kicks SEC(".maps");

#endif
