// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Plain C libbpf consumer of the fixture ring buffer, for comparison with the addon's drain
 * rate (native/bench/ringbuf-drain.ts). A producer thread runs BPF_PROG_TEST_RUN of fx_tc
 * `repeat` times; the main thread drains `events` with ring_buffer__poll, copying whole
 * records into 1024-record batches as the addon does. Prints records/s and ring-full drops.
 *
 *   make -C native/bench && native/bench/out/c-consumer [fixture.bpf.o] [repeat] [rounds]
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

#define RECORD_SIZE 64
#define BATCH_RECORDS 1024
#define C_RINGBUF_FULL 2

static unsigned char batch[BATCH_RECORDS * RECORD_SIZE];
static size_t batch_count;
static unsigned long long received, batches;
static atomic_int producer_done;

struct producer {
	int prog_fd;
	int repeat;
	int err;
	unsigned int duration;
};

static int on_record(void *ctx, void *data, size_t size)
{
	memcpy(batch + batch_count * RECORD_SIZE, data, size < RECORD_SIZE ? size : RECORD_SIZE);
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
	unsigned char frame[64] = {0};
	frame[12] = 0x08; /* IPv4 */
	frame[14] = 0x45;
	frame[23] = 17;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame), .repeat = p->repeat);
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

static unsigned long long sum_counter(int fd, __u32 idx)
{
	int n = libbpf_num_possible_cpus();
	__u64 *v = calloc(n, sizeof(__u64));
	unsigned long long s = 0;
	if (v && bpf_map_lookup_elem(fd, &idx, v) == 0)
		for (int i = 0; i < n; i++)
			s += v[i];
	free(v);
	return s;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "native/test-fixtures/out/fixture.bpf.o";
	int repeat = argc > 2 ? atoi(argv[2]) : 2000000;
	int rounds = argc > 3 ? atoi(argv[3]) : 3;

	struct bpf_object *obj = bpf_object__open_file(path, NULL);
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
	int prog_fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "fx_tc"));
	int events_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "events"));
	int counters_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "counters"));

	for (int r = 0; r < rounds; r++) {
		struct ring_buffer *rb = ring_buffer__new(events_fd, on_record, NULL, NULL);
		if (!rb) {
			fprintf(stderr, "ring_buffer__new: %s\n", strerror(errno));
			return 1;
		}
		received = batches = batch_count = 0;
		unsigned long long full0 = sum_counter(counters_fd, C_RINGBUF_FULL);
		struct producer p = {.prog_fd = prog_fd, .repeat = repeat};
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
		unsigned long long full = sum_counter(counters_fd, C_RINGBUF_FULL) - full0;
		if (p.err) {
			fprintf(stderr, "test run: %s\n", strerror(-p.err));
			return 1;
		}
		printf("c-consumer round %d: %d runs in %.3f s (bpf %u ns/run): received %llu = %.2f M records/s, "
		       "ringbuf_full %llu, received+full %s runs\n",
		       r + 1, repeat, dt, p.duration, received, received / dt / 1e6, full,
		       received + full == (unsigned long long)repeat ? "==" : "!=");
		ring_buffer__free(rb);
	}
	bpf_object__close(obj);
	return 0;
}
