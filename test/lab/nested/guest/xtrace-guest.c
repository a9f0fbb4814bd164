// xtrace-guest: a nested-lab VM's own measured truth (a static binary in the VM's busybox initrd).
//
//   xtrace-guest echo [--port 7000]
//   xtrace-guest client --dst IP [--port 7000] --count N --rate R [--hold-us H] [--timeout-ms T]
//                       [--size S] [--per-exchange]
//
// Request payload (little endian): "XTG1", u32 seq, u32 hold_us, u64 client send ns, then padding
// up to --size. The echo server stamps a request twice, with the guest kernel's receive stamp
// (SO_TIMESTAMPNS, converted to CLOCK_MONOTONIC) and when recvmsg() returned, holds it hold_us
// after the latter (sleeps until shortly before, then spins: a timer wake-up alone is late by
// tens of µs in a VM and by 0.4-0.8 ms in a nested-lab VM, KVM inside TCG; so "shortly" is
// 50 µs plus the worst lateness of its last 16 wake-ups, measured from its start), and replies
// with the request's bytes followed by u64 rx_kernel_mono_ns,
// u64 rx_user_ns and u64 tx_ns (CLOCK_MONOTONIC just before sendto). Anything else is echoed
// back as it came.
//
// The client keeps one request in flight: request k+1 leaves at start + (k+1)/rate, or later
// when the reply to k (or its timeout) came later. It prints, between marker lines (a caller
// reading a serial console cuts them out), one JSON line per exchange with --per-exchange and
// a summary line:
//   {"sent","received","lost","late","rtt_us":{count,min,p50,p90,p99,max,mean},
//    "service_us":{…},"hold_us":{…}}
// rtt: the client's send to its receive (CLOCK_MONOTONIC, user space); service: the server's
// tx_ns - rx_kernel_mono_ns (its stack and the hold); hold: tx_ns - rx_user_ns. "late" counts
// replies that came after their request had timed out (those requests count as lost).
#define _GNU_SOURCE
#include "clock.h"
#include "stamped-recv.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAGIC "XTG1"
#define REQUEST_LEN 20 // magic, seq, hold_us, client send ns
#define TAIL_LEN 24    // rx_kernel_mono_ns, rx_user_ns, tx_ns
#define MAX_UDP 65507
#define SPIN_NS 50000ull // spun before a hold's deadline beyond the wake-up lateness
#define CLIENT_BEGIN "XTG-CLIENT-BEGIN"
#define CLIENT_END "XTG-CLIENT-END"

static void die(const char *what) {
  fprintf(stderr, "xtrace-guest: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void usage(void) {
  fprintf(stderr, "usage: xtrace-guest echo [--port 7000]\n"
                  "       xtrace-guest client --dst IP [--port 7000] --count N --rate R [--hold-us H]"
                  " [--timeout-ms T] [--size S] [--per-exchange]\n");
  exit(2);
}

static uint64_t parse_u64(const char *flag, const char *v, uint64_t min, uint64_t max) {
  char *end;
  errno = 0;
  unsigned long long x = strtoull(v, &end, 10);
  if (errno || *end || end == v || x < min || x > max) {
    fprintf(stderr, "xtrace-guest: %s: expected an integer in [%" PRIu64 ", %" PRIu64 "], got '%s'\n", flag, min,
            max, v);
    exit(2);
  }
  return x;
}

static void put_u32(uint8_t *p, uint32_t v) { v = htole32(v); memcpy(p, &v, 4); }
static void put_u64(uint8_t *p, uint64_t v) { v = htole64(v); memcpy(p, &v, 8); }
static uint32_t get_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return le32toh(v); }
static uint64_t get_u64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return le64toh(v); }

static void sleep_until(uint64_t mono) {
  struct timespec ts = {.tv_sec = (time_t)(mono / 1000000000ull), .tv_nsec = (long)(mono % 1000000000ull)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
  }
}

// How late timer wake-ups came lately (ns): the hold sleeps until that much (+ SPIN_NS) before
// its deadline and spins the rest, so it ends on time without spinning through all of it.
#define LATENESS_WINDOW 16
#define MAX_WAKE_MARGIN_NS 5000000ull
static uint64_t lateness[LATENESS_WINDOW];
static unsigned lateness_next;

static void note_lateness(uint64_t ns) { lateness[lateness_next++ % LATENESS_WINDOW] = ns; }

static uint64_t wake_margin(void) {
  uint64_t worst = 0;
  for (unsigned k = 0; k < LATENESS_WINDOW; k++)
    if (lateness[k] > worst) worst = lateness[k];
  return worst + SPIN_NS > MAX_WAKE_MARGIN_NS ? MAX_WAKE_MARGIN_NS : worst + SPIN_NS;
}

static void sleep_noting_lateness(uint64_t mono) {
  sleep_until(mono);
  uint64_t now = mono_ns();
  note_lateness(now > mono ? now - mono : 0);
}

// A first estimate of the wake-up lateness, before the first request needs it.
static void calibrate_wake_ups(void) {
  for (unsigned k = 0; k < LATENESS_WINDOW; k++) sleep_noting_lateness(mono_ns() + 1000000ull);
}

// Waits until mono: sleeps until the wake margin before it, then spins.
static void hold_until(uint64_t mono) {
  uint64_t margin = wake_margin();
  if (mono > mono_ns() + margin) sleep_noting_lateness(mono - margin);
  while (mono_ns() < mono) {
  }
}

static int udp_socket(void) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  return fd;
}

// ---- echo ----

__attribute__((noreturn)) static void run_echo(uint16_t port) {
  int fd = udp_socket();
  int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) < 0) die("SO_TIMESTAMPNS");
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
  calibrate_wake_ups();
  printf("{\"event\":\"listening\",\"port\":%u,\"wake_margin_us\":%.1f}\n", port, wake_margin() / 1000.0);
  fflush(stdout);

  static uint8_t buf[MAX_UDP + TAIL_LEN];
  for (;;) {
    struct stamped_recv r;
    ssize_t n = stamped_recv(fd, &r, buf, MAX_UDP, 0);
    uint64_t rx_user = mono_ns();
    if (n < 0) {
      if (errno == EINTR) continue;
      die("recvmsg");
    }
    size_t len = (size_t)n;
    if (len >= REQUEST_LEN && len + TAIL_LEN <= MAX_UDP && memcmp(buf, MAGIC, 4) == 0) {
      int64_t rx_kernel = stamped_rx_mono(&r); // none: the reply says 0, the client leaves it out of service_us
      hold_until(rx_user + (uint64_t)get_u32(buf + 8) * 1000ull);
      put_u64(buf + len, rx_kernel > 0 ? (uint64_t)rx_kernel : 0);
      put_u64(buf + len + 8, rx_user);
      put_u64(buf + len + 16, mono_ns());
      len += TAIL_LEN;
    }
    // a failed send is the client's loss to see; the server keeps serving
    (void)sendto(fd, buf, len, 0, (struct sockaddr *)&r.peer, r.msg.msg_namelen);
  }
}

// ---- client ----

struct samples {
  uint64_t *v;
  uint32_t n;
};

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static double nearest_rank_us(const uint64_t *sorted, uint32_t n, double p) {
  uint32_t rank = (uint32_t)(p * n + 0.999999999);
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return (double)sorted[rank - 1] / 1000.0;
}

// "key":{"count":n,"min":..,"p50":..,"p90":..,"p99":..,"max":..,"mean":..} in µs (null when n is 0)
static void print_summary(const char *key, struct samples *s) {
  if (s->n == 0) {
    printf("\"%s\":{\"count\":0,\"min\":null,\"p50\":null,\"p90\":null,\"p99\":null,\"max\":null,\"mean\":null}", key);
    return;
  }
  qsort(s->v, s->n, sizeof *s->v, cmp_u64);
  long double sum = 0;
  for (uint32_t i = 0; i < s->n; i++) sum += s->v[i];
  printf("\"%s\":{\"count\":%" PRIu32 ",\"min\":%.3f,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f,\"mean\":%.3f}",
         key, s->n, s->v[0] / 1000.0, nearest_rank_us(s->v, s->n, 0.5), nearest_rank_us(s->v, s->n, 0.9),
         nearest_rank_us(s->v, s->n, 0.99), s->v[s->n - 1] / 1000.0, (double)(sum / s->n / 1000.0L));
}

struct client_opts {
  struct sockaddr_in dst;
  uint32_t count, hold_us, timeout_ms, size;
  double rate;
  bool per_exchange;
};

// Waits for the reply to seq until deadline; returns its length, 0 on timeout. Replies to earlier
// (timed-out) requests are counted in *late and skipped.
static size_t await_reply(int fd, uint32_t seq, uint64_t deadline, uint8_t *buf, size_t cap, uint64_t *rx,
                          uint32_t *late) {
  for (;;) {
    uint64_t now = mono_ns();
    if (now >= deadline) return 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, (int)((deadline - now + 999999) / 1000000));
    if (r < 0 && errno != EINTR) die("poll");
    if (r <= 0) continue;
    ssize_t n = recv(fd, buf, cap, MSG_DONTWAIT);
    *rx = mono_ns();
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      if (errno == ECONNREFUSED) continue; // ICMP port unreachable from an earlier send: the request is lost
      die("recv");
    }
    if ((size_t)n < REQUEST_LEN + TAIL_LEN || memcmp(buf, MAGIC, 4) != 0) continue;
    if (get_u32(buf + 4) == seq) return (size_t)n;
    (*late)++;
  }
}

static int run_client(const struct client_opts *o) {
  int fd = udp_socket();
  if (connect(fd, (const struct sockaddr *)&o->dst, sizeof o->dst) < 0) die("connect");
  uint8_t *req = calloc(1, o->size), *rep = malloc(MAX_UDP);
  struct samples rtt = {calloc(o->count, 8), 0}, service = {calloc(o->count, 8), 0},
                 hold = {calloc(o->count, 8), 0};
  if (!req || !rep || !rtt.v || !service.v || !hold.v) die("calloc");
  memcpy(req, MAGIC, 4);
  put_u32(req + 8, o->hold_us);

  printf("%s\n", CLIENT_BEGIN);
  uint32_t sent = 0, late = 0;
  uint64_t interval = (uint64_t)(1e9 / o->rate), start = mono_ns();
  for (uint32_t seq = 1; seq <= o->count; seq++) {
    uint64_t due = start + (uint64_t)(seq - 1) * interval;
    if (due > mono_ns()) sleep_until(due);
    put_u32(req + 4, seq);
    uint64_t tx = mono_ns();
    put_u64(req + 12, tx);
    if (send(fd, req, o->size, 0) != (ssize_t)o->size) {
      if (o->per_exchange) printf("{\"seq\":%" PRIu32 ",\"lost\":true,\"error\":\"send: %s\"}\n", seq, strerror(errno));
      continue;
    }
    sent++;
    uint64_t rx = 0;
    size_t n = await_reply(fd, seq, tx + (uint64_t)o->timeout_ms * 1000000ull, rep, MAX_UDP, &rx, &late);
    if (n == 0) {
      if (o->per_exchange) printf("{\"seq\":%" PRIu32 ",\"lost\":true}\n", seq);
      continue;
    }
    const uint8_t *tail = rep + n - TAIL_LEN;
    uint64_t rx_kernel = get_u64(tail), rx_user = get_u64(tail + 8), srv_tx = get_u64(tail + 16);
    rtt.v[rtt.n++] = rx - tx;
    hold.v[hold.n++] = srv_tx - rx_user;
    if (rx_kernel) service.v[service.n++] = srv_tx - rx_kernel;
    if (o->per_exchange) {
      printf("{\"seq\":%" PRIu32 ",\"rtt_us\":%.3f,\"hold_us\":%.3f,\"service_us\":", seq, (rx - tx) / 1000.0,
             (srv_tx - rx_user) / 1000.0);
      if (rx_kernel) printf("%.3f}\n", (srv_tx - rx_kernel) / 1000.0);
      else printf("null}\n");
    }
  }
  printf("{\"sent\":%" PRIu32 ",\"received\":%" PRIu32 ",\"lost\":%" PRIu32 ",\"late\":%" PRIu32 ",", sent, rtt.n,
         o->count - rtt.n, late);
  print_summary("rtt_us", &rtt);
  printf(",");
  print_summary("service_us", &service);
  printf(",");
  print_summary("hold_us", &hold);
  printf("}\n%s\n", CLIENT_END);
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) usage();
  const char *mode = argv[1];
  uint16_t port = 7000;
  const char *dst = NULL;
  struct client_opts o = {.count = 0, .rate = 0, .hold_us = 0, .timeout_ms = 1000, .size = REQUEST_LEN};
  static const struct option opts[] = {{"port", 1, 0, 'p'},       {"dst", 1, 0, 'd'},          {"count", 1, 0, 'c'},
                                       {"rate", 1, 0, 'r'},       {"hold-us", 1, 0, 'H'},      {"timeout-ms", 1, 0, 't'},
                                       {"size", 1, 0, 's'},       {"per-exchange", 0, 0, 'e'}, {0, 0, 0, 0}};
  optind = 2;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'p': port = (uint16_t)parse_u64("--port", optarg, 1, 65535); break;
    case 'd': dst = optarg; break;
    case 'c': o.count = (uint32_t)parse_u64("--count", optarg, 1, 10000000); break;
    case 'r': o.rate = (double)parse_u64("--rate", optarg, 1, 1000000); break;
    case 'H': o.hold_us = (uint32_t)parse_u64("--hold-us", optarg, 0, 10000000); break;
    case 't': o.timeout_ms = (uint32_t)parse_u64("--timeout-ms", optarg, 1, 600000); break;
    case 's': o.size = (uint32_t)parse_u64("--size", optarg, REQUEST_LEN, MAX_UDP - TAIL_LEN); break;
    case 'e': o.per_exchange = true; break;
    default: usage();
    }
  }
  if (optind != argc) usage();
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); // wake-ups as exact as the kernel allows
  if (strcmp(mode, "echo") == 0) run_echo(port);
  if (strcmp(mode, "client") != 0) usage();
  if (!dst || o.count == 0 || o.rate == 0) {
    fprintf(stderr, "xtrace-guest client: --dst, --count and --rate are required\n");
    return 2;
  }
  o.dst = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(port)};
  if (inet_pton(AF_INET, dst, &o.dst.sin_addr) != 1) {
    fprintf(stderr, "xtrace-guest client: --dst: expected an IPv4 address, got '%s'\n", dst);
    return 2;
  }
  return run_client(&o);
}
