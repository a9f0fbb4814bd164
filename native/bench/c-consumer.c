// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Plain C libbpf consumer of the fixture ring buffer, for comparison with the addon's drain
 * rate (native/bench/ringbuf-drain.ts). A producer thread runs BPF_PROG_TEST_RUN of fx_tc
 * `repeat` times; the main thread drains `events` with ring_buffer__poll, copying whole
 * records into 1024-record batches as the addon does. Prints records/s and ring-full drops.
 *
 *   make -C native/bench && native/bench/out/c-consumer [fixture.bpf.o] [repeat] [rounds]
 *
 * Or on a program some other process loaded and configured (xtrace's real object, see
 * test/bench/drain-compare.ts): the program by id, its maps found by name among the maps the
 * program uses, the frame as hex:
 *
 *   c-consumer --prog-id N --ring xt_events --counters xt_counters --full-index 4 \
 *              --record-size 64 --frame HEX [--repeat N] [--rounds N]
 *
 * Each round prints one line; with --prog-id a last line `#C {json}` carries the figures.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_RECORD_SIZE 256
#define BATCH_RECORDS 1024
#define FIXTURE_RINGBUF_FULL 2

static size_t record_size = 64;
static unsigned char batch[BATCH_RECORDS * MAX_RECORD_SIZE];
static size_t batch_count;
static unsigned long long received, batches;
static atomic_int producer_done;

struct producer {
	int prog_fd;
	int repeat;
	const unsigned char *frame;
	size_t frame_len;
	int err;
	unsigned int duration;
};

static int on_record(void *ctx, void *data, size_t size)
{
	memcpy(batch + batch_count * record_size, data, size < record_size ? size : record_size);
	if (++batch_count == BATCH_RECORDS) {
		received += batch_count;
		batches++;
		batch_count = 0;
	}
	return 0;
}

static void *produce(void *arg)
{
	struct producer *p = arg;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->frame, .data_size_in = p->frame_len, .repeat = p->repeat);
	p->err = bpf_prog_test_run_opts(p->prog_fd, &opts);
	p->duration = opts.duration;
	atomic_store(&producer_done, 1);
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Counter `idx` summed over CPUs, from a per-CPU array: either one counter per element (value
 * 8 bytes, key idx) or every counter in element 0 (value: __u64 counters[], as xt_counters).
 */
static unsigned long long sum_counter(int fd, __u32 idx)
{
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);
	int n = libbpf_num_possible_cpus();
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	__u32 stride = (info.value_size + 7) / 8; /* u64 words per CPU */
	__u32 key = stride > 1 ? 0 : idx, at = stride > 1 ? idx : 0;
	__u64 *v = calloc((size_t)n * stride, sizeof(__u64));
	unsigned long long s = 0;
	if (v && at < stride && bpf_map_lookup_elem(fd, &key, v) == 0)
		for (int i = 0; i < n; i++)
			s += v[(size_t)i * stride + at];
	free(v);
	return s;
}

/* fd of the map called `name` among the maps program `prog_fd` uses, -1 if none */
static int map_of_program(int prog_fd, const char *name)
{
	__u32 ids[64];
	struct bpf_prog_info info = {0};
	__u32 len = sizeof(info);
	info.nr_map_ids = 64;
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -1;
	for (__u32 i = 0; i < info.nr_map_ids && i < 64; i++) {
		int fd = bpf_map_get_fd_by_id(ids[i]);
		if (fd < 0)
			continue;
		struct bpf_map_info mi = {0};
		__u32 mlen = sizeof(mi);
		if (bpf_obj_get_info_by_fd(fd, &mi, &mlen) == 0 && strcmp(mi.name, name) == 0)
			return fd;
		close(fd);
	}
	return -1;
}

static int parse_hex(const char *hex, unsigned char *out, size_t cap)
{
	size_t n = strlen(hex);
	if (n % 2 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int b;
		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (unsigned char)b;
	}
	return (int)(n / 2);
}

int main(int argc, char **argv)
{
	const char *path = "native/test-fixtures/out/fixture.bpf.o";
	int repeat = 2000000, rounds = 3, prog_id = 0, full_index = FIXTURE_RINGBUF_FULL;
	const char *ring_name = "events", *counters_name = "counters", *frame_hex = NULL;
	int positional = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] == '-' && a[1] == '-' && !v) {
			fprintf(stderr, "%s needs a value\n", a);
			return 2;
		}
		if (!strcmp(a, "--prog-id")) prog_id = atoi(v), i++;
		else if (!strcmp(a, "--ring")) ring_name = v, i++;
		else if (!strcmp(a, "--counters")) counters_name = v, i++;
		else if (!strcmp(a, "--full-index")) full_index = atoi(v), i++;
		else if (!strcmp(a, "--record-size")) record_size = (size_t)atoi(v), i++;
		else if (!strcmp(a, "--frame")) frame_hex = v, i++;
		else if (!strcmp(a, "--repeat")) repeat = atoi(v), i++;
		else if (!strcmp(a, "--rounds")) rounds = atoi(v), i++;
		else if (a[0] == '-' && a[1] == '-') {
			fprintf(stderr, "unknown option %s\n", a);
			return 2;
		} else if (positional == 0) path = a, positional++;
		else if (positional == 1) repeat = atoi(a), positional++;
		else if (positional == 2) rounds = atoi(a), positional++;
	}
	if (record_size == 0 || record_size > MAX_RECORD_SIZE) {
		fprintf(stderr, "--record-size must be 1..%d\n", MAX_RECORD_SIZE);
		return 2;
	}
	unsigned char frame[1600] = {0};
	size_t frame_len = 64;
	if (frame_hex) {
		int n = parse_hex(frame_hex, frame, sizeof(frame));
		if (n < 14) {
			fprintf(stderr, "--frame: expected an Ethernet frame in hex\n");
			return 2;
		}
		frame_len = (size_t)n;
	} else {
		frame[12] = 0x08; /* IPv4 */
		frame[14] = 0x45;
		frame[23] = 17;
	}

	struct bpf_object *obj = NULL;
	int prog_fd, events_fd, counters_fd;
	if (prog_id) {
		prog_fd = bpf_prog_get_fd_by_id(prog_id);
		if (prog_fd < 0) {
			fprintf(stderr, "program id %d: %s\n", prog_id, strerror(errno));
			return 1;
		}
		events_fd = map_of_program(prog_fd, ring_name);
		counters_fd = map_of_program(prog_fd, counters_name);
		if (events_fd < 0 || counters_fd < 0) {
			fprintf(stderr, "program id %d uses no map named %s or %s\n", prog_id, ring_name, counters_name);
			return 1;
		}
	} else {
		obj = bpf_object__open_file(path, NULL);
		if (!obj) {
			fprintf(stderr, "open %s: %s\n", path, strerror(errno));
			return 1;
		}
		bpf_program__set_autoload(bpf_object__find_program_by_name(obj, "fx_tp"), false);
		bpf_program__set_autoload(bpf_object__find_program_by_name(obj, "fx_tp_btf"), false);
		if (bpf_object__load(obj)) {
			fprintf(stderr, "load: %s\n", strerror(errno));
			return 1;
		}
		prog_fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "fx_tc"));
		events_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, ring_name));
		counters_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, counters_name));
	}

	double best = 0, sum = 0;
	unsigned long long total_full = 0;
	for (int r = 0; r < rounds; r++) {
		struct ring_buffer *rb = ring_buffer__new(events_fd, on_record, NULL, NULL);
		if (!rb) {
			fprintf(stderr, "ring_buffer__new: %s\n", strerror(errno));
			return 1;
		}
		received = batches = batch_count = 0;
		unsigned long long full0 = sum_counter(counters_fd, full_index);
		struct producer p = {.prog_fd = prog_fd, .repeat = repeat, .frame = frame, .frame_len = frame_len};
		pthread_t th;
		atomic_store(&producer_done, 0);
		double t0 = now_s();
		pthread_create(&th, NULL, produce, &p);
		while (!atomic_load(&producer_done))
			ring_buffer__poll(rb, 50);
		pthread_join(th, NULL);
		ring_buffer__consume(rb);
		received += batch_count;
		double dt = now_s() - t0;
		unsigned long long full = sum_counter(counters_fd, full_index) - full0;
		if (p.err) {
			fprintf(stderr, "test run: %s\n", strerror(-p.err));
			return 1;
		}
		double rate = received / dt;
		sum += rate;
		if (rate > best)
			best = rate;
		total_full += full;
		printf("c-consumer round %d: %d runs in %.3f s (bpf %u ns/run): received %llu = %.2f M records/s, "
		       "ringbuf_full %llu, received+full %s runs\n",
		       r + 1, repeat, dt, p.duration, received, rate / 1e6, full,
		       received + full == (unsigned long long)repeat ? "==" : "!=");
		ring_buffer__free(rb);
	}
	if (prog_id)
		printf("#C {\"rounds\":%d,\"repeat\":%d,\"meanRate\":%.0f,\"bestRate\":%.0f,\"ringbufFull\":%llu}\n", rounds,
		       repeat, sum / rounds, best, total_full);
	fflush(stdout);
	if (obj)
		bpf_object__close(obj);
	return 0;
}
