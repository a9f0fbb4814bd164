// xtrace-relay: joins two tap devices (possibly in different network namespaces) and relays
// Ethernet frames both ways, like QEMU without vhost (host tap <-> VM tap) or like a wire
// (host A NIC tap <-> host B NIC tap). It injects known per-direction delay, jitter and loss,
// and records ground truth: per-direction counters and residence times (write_ts - enqueue_ts,
// CLOCK_MONOTONIC), optionally a per-frame truth log. enqueue_ts is when the kernel transmitted
// the frame on the input tap (its stamp on a packet socket there, kernel-tx-stamps.h), so the
// relay's own wake-up is inside the residence, as it is inside the wire it stands for; with
// --read-stamps, or when the packet socket cannot be opened, it is the read time.
//
// Directions: "ab" = frames read from tap A and written to tap B; "ba" the reverse.
//
// Impairment policy (documented in test/lab/README.md):
//   * every frame (IP or not) goes through the same per-direction FIFO and gets the
//     direction's delay + jitter, counted from its enqueue_ts, so frames are never reordered (jittered due times are
//     clamped to be >= the previous frame's due time in that direction);
//   * injected loss applies only to IPv4/IPv6 frames (ethertype 0x0800/0x86DD, also behind
//     one 802.1Q tag); ARP and other frames are never dropped by the loss knob;
//   * a full queue tail-drops (counted as "overflow", not as injected loss).
//
// Signals: SIGUSR1 -> write a stats JSON line (stats file via atomic rename, and/or stdout);
//          SIGUSR2 -> reset counters and residence samples;
//          SIGTERM/SIGINT -> final stats, exit 0.
#define _GNU_SOURCE
#include "clock.h"
#include "distribution.h"
#include "kernel-tx-stamps.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define SLOT_SIZE 16384u
#define MAX_SAMPLES (4u * 1024u * 1024u)
#define TRUTH_CAP 64u

struct impair {
  uint64_t delay_ns;
  uint64_t jitter_ns;
  double loss;
};

struct slot {
  uint64_t read_ns;
  uint64_t enq_ns;
  uint64_t due_ns;
  uint32_t len;
  uint8_t data[SLOT_SIZE];
};

struct stats {
  uint64_t in, out, dropped, overflow, write_err, oversize, nonip, bytes_in, bytes_out;
  uint64_t *res; // residence samples (ns): write_ts - enqueue_ts
  uint64_t *late; // lateness samples: write_ts - due_ns
  uint64_t *lag; // read lag samples: read_ts - enqueue_ts (the relay's wake-up and read)
  uint32_t nsamp, cap;
  uint64_t seen; // samples offered (for reservoir replacement)
};

struct dir {
  const char *name;
  int in_fd, out_fd;
  struct impair imp;
  struct slot *q;
  uint32_t qcap, head, count;
  uint64_t last_due;
  struct stats st;
  struct tx_stamps stamps; // kernel transmit stamps of in_fd's tap
  char stamps_err[192]; // why there are none ("" when the socket is open)
};

// Truth log record (little-endian, 104 bytes), written when --truth FILE is given.
struct truth_rec {
  uint64_t read_ns;
  uint64_t write_ns; // 0 when the frame was not written
  uint64_t due_ns; // scheduled send time (read_ns + delay + jitter, FIFO-clamped); 0 if never scheduled
  uint32_t len;
  uint8_t dir; // 0 = ab, 1 = ba
  uint8_t fate; // 0 forwarded, 1 injected loss, 2 queue overflow, 3 write error, 4 oversize
  uint16_t caplen;
  uint8_t data[TRUTH_CAP]; // first bytes of the frame (Ethernet header onwards)
  uint64_t enq_ns; // kernel transmit time on the input tap (= read_ns without a kernel stamp)
};
_Static_assert(sizeof(struct truth_rec) == 104, "truth record layout");

static struct dir dirs[2];
static const char *stats_path;
static bool stats_stdout;
static const char *tag = "";
static FILE *truth_fp;
static uint64_t rng_state;
static uint64_t start_ns;
static uint64_t spin_ns;
static bool impair_all; // apply loss to non-IP frames too
static bool read_stamps; // --read-stamps: enqueue_ts = read time, no packet sockets
static const char *a_ns, *a_tap, *b_ns, *b_tap;
static uint64_t seed;
static uint64_t resets; // SIGUSR2 count, reported so a reader can confirm a reset

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "xtrace-relay: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(1);
}

// xorshift64* — reproducible given --seed
static uint64_t rng_next(void) {
  uint64_t x = rng_state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  rng_state = x;
  return x * 0x2545F4914F6CDD1Dull;
}

static double rng_unit(void) { return (double)(rng_next() >> 11) * (1.0 / 9007199254740992.0); }

static int open_tap_in_ns(const char *ns, const char *name, struct tx_stamps *stamps, char *stamps_err, size_t errlen) {
  int self = -1;
  if (ns && *ns) {
    self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (self < 0) die("open /proc/self/ns/net: %s", strerror(errno));
    char path[512];
    if (ns[0] == '/')
      snprintf(path, sizeof path, "%s", ns);
    else
      snprintf(path, sizeof path, "/run/netns/%s", ns);
    int nsfd = open(path, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0) die("open %s: %s", path, strerror(errno));
    if (setns(nsfd, CLONE_NEWNET) < 0) die("setns %s: %s", path, strerror(errno));
    close(nsfd);
  }
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) die("open /dev/net/tun: %s", strerror(errno));
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  if (strlen(name) >= IFNAMSIZ) die("tap name too long: %s", name);
  strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) die("TUNSETIFF %s (ns %s): %s", name, ns ? ns : "-", strerror(errno));
  // the packet socket must be made in the tap's namespace, like the tap fd
  if (read_stamps) {
    memset(stamps, 0, sizeof *stamps);
    stamps->fd = -1;
    snprintf(stamps_err, errlen, "--read-stamps");
  } else if (tx_stamps_open(stamps, name, stamps_err, errlen) < 0) {
    fprintf(stderr, "xtrace-relay: no kernel stamps, residence counts from read(): %s\n", stamps_err);
  } else {
    stamps_err[0] = 0;
  }
  if (self >= 0) {
    if (setns(self, CLONE_NEWNET) < 0) die("setns back: %s", strerror(errno));
    close(self);
  }
  return fd;
}

static bool is_ip_frame(const uint8_t *f, uint32_t len) {
  if (len < 14) return false;
  uint16_t et = (uint16_t)(f[12] << 8 | f[13]);
  if (et == 0x8100 && len >= 18) et = (uint16_t)(f[16] << 8 | f[17]);
  return et == 0x0800 || et == 0x86DD;
}

static void stats_add(struct stats *s, uint64_t res, uint64_t late, uint64_t lag) {
  s->seen++;
  uint64_t k = s->nsamp;
  if (s->nsamp < s->cap) {
    s->nsamp++;
  } else {
    if (s->cap == 0) return;
    // reservoir sampling beyond the cap keeps percentiles representative
    k = rng_next() % s->seen;
    if (k >= s->cap) return;
  }
  s->res[k] = res;
  s->late[k] = late;
  s->lag[k] = lag;
}

static void stats_reset(struct stats *s) {
  uint64_t *res = s->res, *late = s->late, *lag = s->lag;
  uint32_t cap = s->cap;
  memset(s, 0, sizeof *s);
  s->res = res;
  s->late = late;
  s->lag = lag;
  s->cap = cap;
}

static void truth(uint8_t d, uint8_t fate, uint64_t rd, uint64_t enq, uint64_t wr, uint64_t due, const uint8_t *data, uint32_t len) {
  if (!truth_fp) return;
  struct truth_rec r;
  memset(&r, 0, sizeof r);
  r.read_ns = rd;
  r.enq_ns = enq;
  r.write_ns = wr;
  r.due_ns = due;
  r.len = len;
  r.dir = d;
  r.fate = fate;
  r.caplen = (uint16_t)(len < TRUTH_CAP ? len : TRUTH_CAP);
  memcpy(r.data, data, r.caplen);
  fwrite(&r, sizeof r, 1, truth_fp);
}

static void dir_json(FILE *f, struct dir *d) {
  struct stats *s = &d->st;
  fprintf(f,
          "\"%s\":{\"in\":%" PRIu64 ",\"out\":%" PRIu64 ",\"dropped\":%" PRIu64 ",\"overflow\":%" PRIu64
          ",\"write_err\":%" PRIu64 ",\"oversize\":%" PRIu64 ",\"nonip\":%" PRIu64 ",\"bytes_in\":%" PRIu64
          ",\"bytes_out\":%" PRIu64 ",\"queued\":%" PRIu32 ",\"delay_us\":%.3f,\"jitter_us\":%.3f,\"loss\":%g,",
          d->name, s->in, s->out, s->dropped, s->overflow, s->write_err, s->oversize, s->nonip, s->bytes_in,
          s->bytes_out, d->count, d->imp.delay_ns / 1e3, d->imp.jitter_ns / 1e3, d->imp.loss);
  fprintf(f,
          "\"enqueue_clock\":\"%s\",\"stamp_error\":\"%s\",\"stamped\":%" PRIu64 ",\"unstamped\":%" PRIu64
          ",\"stamps_skipped\":%" PRIu64 ",",
          d->stamps.fd >= 0 ? "kernel" : "read", d->stamps_err, d->stamps.matched, d->stamps.missing, d->stamps.skipped);
  dist_json(f, "residence_ns", s->res, s->nsamp);
  fputc(',', f);
  dist_json(f, "lateness_ns", s->late, s->nsamp);
  fputc(',', f);
  dist_json(f, "read_lag_ns", s->lag, s->nsamp);
  fputc('}', f);
}

static void write_stats_to(FILE *f, uint64_t t) {
  fprintf(f, "{\"relay\":\"xtrace-relay\",\"tag\":\"%s\",\"pid\":%d,\"mono_ns\":%" PRIu64 ",\"uptime_ns\":%" PRIu64
             ",\"seed\":%" PRIu64 ",\"resets\":%" PRIu64 ",\"a\":{\"ns\":\"%s\",\"tap\":\"%s\"},\"b\":{\"ns\":\"%s\",\"tap\":\"%s\"},",
          tag, (int)getpid(), t, t - start_ns, seed, resets, a_ns ? a_ns : "", a_tap, b_ns ? b_ns : "", b_tap);
  dir_json(f, &dirs[0]);
  fputc(',', f);
  dir_json(f, &dirs[1]);
  fputs("}\n", f);
}

static void emit_stats(void) {
  uint64_t t = mono_ns();
  if (truth_fp) fflush(truth_fp);
  if (stats_stdout) {
    write_stats_to(stdout, t);
    fflush(stdout);
  }
  if (stats_path) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", stats_path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
      fprintf(stderr, "xtrace-relay: open %s: %s\n", tmp, strerror(errno));
      return;
    }
    write_stats_to(f, t);
    if (fclose(f) != 0 || rename(tmp, stats_path) != 0)
      fprintf(stderr, "xtrace-relay: write %s: %s\n", stats_path, strerror(errno));
  }
}

static void send_frame(int di, struct slot *s) {
  struct dir *d = &dirs[di];
  uint64_t t = mono_ns(); // write timestamp = hand-over to the kernel (tap write runs the rx path inline)
  ssize_t w = write(d->out_fd, s->data, s->len);
  if (w < 0 || (uint32_t)w != s->len) {
    d->st.write_err++;
    truth((uint8_t)di, 3, s->read_ns, s->enq_ns, 0, s->due_ns, s->data, s->len);
    return;
  }
  d->st.out++;
  d->st.bytes_out += s->len;
  stats_add(&d->st, t - s->enq_ns, t > s->due_ns ? t - s->due_ns : 0, s->read_ns - s->enq_ns);
  truth((uint8_t)di, 0, s->read_ns, s->enq_ns, t, s->due_ns, s->data, s->len);
}

// Reads every frame available on d->in_fd (bounded batch), queues or forwards it.
static void on_readable(int di) {
  struct dir *d = &dirs[di];
  static uint8_t buf[65536];
  for (int n = 0; n < 256; n++) {
    ssize_t r = read(d->in_fd, buf, sizeof buf);
    uint64_t t = mono_ns();
    if (r < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      if (errno == EIO) return; // tap without carrier: nothing to read
      die("read %s: %s", d->name, strerror(errno));
    }
    if (r == 0) return;
    uint32_t len = (uint32_t)r;
    uint64_t enq = t;
    tx_stamps_take(&d->stamps, buf, len, t, &enq);
    d->st.in++;
    d->st.bytes_in += len;
    bool ip = is_ip_frame(buf, len);
    if (!ip) d->st.nonip++;
    if (len > SLOT_SIZE) {
      d->st.oversize++;
      truth((uint8_t)di, 4, t, enq, 0, 0, buf, len);
      continue;
    }
    if ((ip || impair_all) && d->imp.loss > 0 && rng_unit() < d->imp.loss) {
      d->st.dropped++;
      truth((uint8_t)di, 1, t, enq, 0, 0, buf, len);
      continue;
    }
    // the delay runs from the kernel's hand-over to the tap, as a wire's from the NIC's
    uint64_t due = enq + d->imp.delay_ns;
    if (d->imp.jitter_ns > 0) {
      int64_t j = (int64_t)(rng_next() % (2 * d->imp.jitter_ns + 1)) - (int64_t)d->imp.jitter_ns;
      due = (int64_t)due + j < (int64_t)enq ? enq : (uint64_t)((int64_t)due + j);
    }
    if (due < d->last_due) due = d->last_due; // FIFO: never reorder
    if (d->count == 0 && due <= t) {
      // no delay: forward immediately
      uint64_t t2 = mono_ns();
      ssize_t w = write(d->out_fd, buf, len);
      if (w < 0 || (uint32_t)w != len) {
        d->st.write_err++;
        truth((uint8_t)di, 3, t, enq, 0, due, buf, len);
      } else {
        d->st.out++;
        d->st.bytes_out += len;
        stats_add(&d->st, t2 - enq, t2 > due ? t2 - due : 0, t - enq);
        truth((uint8_t)di, 0, t, enq, t2, due, buf, len);
      }
      d->last_due = due;
      continue;
    }
    if (d->count == d->qcap) {
      d->st.overflow++;
      truth((uint8_t)di, 2, t, enq, 0, due, buf, len);
      continue;
    }
    struct slot *s = &d->q[(d->head + d->count) % d->qcap];
    s->read_ns = t;
    s->enq_ns = enq;
    s->due_ns = due;
    s->len = len;
    memcpy(s->data, buf, len);
    d->count++;
    d->last_due = due;
  }
}

// Sends every queued frame whose due time has come; returns the earliest remaining due time (0 if none).
static uint64_t flush_due(void) {
  uint64_t next = 0;
  for (int di = 0; di < 2; di++) {
    struct dir *d = &dirs[di];
    while (d->count > 0) {
      struct slot *s = &d->q[d->head];
      uint64_t t = mono_ns();
      if (s->due_ns > t) {
        if (spin_ns && s->due_ns - t <= spin_ns) {
          while (mono_ns() < s->due_ns) {
          }
        } else
          break;
      }
      send_frame(di, s);
      d->head = (d->head + 1) % d->qcap;
      d->count--;
    }
    if (d->count > 0) {
      uint64_t due = d->q[d->head].due_ns;
      if (next == 0 || due < next) next = due;
    }
  }
  return next;
}

static uint64_t parse_u64(const char *flag, const char *v) {
  char *end;
  errno = 0;
  unsigned long long x = strtoull(v, &end, 10);
  if (errno || *end || end == v) die("%s: expected a non-negative integer, got '%s'", flag, v);
  return x;
}

static double parse_prob(const char *flag, const char *v) {
  char *end;
  double x = strtod(v, &end);
  if (*end || end == v || !(x >= 0 && x <= 1)) die("%s: expected a probability in [0,1], got '%s'", flag, v);
  return x;
}

static void usage(void) {
  fprintf(stderr,
          "usage: xtrace-relay --a-ns NS --a-tap NAME --b-ns NS --b-tap NAME\n"
          "  [--delay-ab-us N] [--delay-ba-us N] [--jitter-us N | --jitter-ab-us N --jitter-ba-us N]\n"
          "  [--loss-ab P] [--loss-ba P] [--seed N] [--queue N] [--spin-us N (default 50)] [--impair-all]\n"
          "  [--stats FILE] [--stats-stdout] [--truth FILE] [--pidfile FILE] [--tag TEXT] [--read-stamps]\n"
          "NS is a name under /run/netns or an absolute path; empty = the current namespace.\n");
  exit(2);
}

int main(int argc, char **argv) {
  uint64_t delay_ab = 0, delay_ba = 0, jit_ab = 0, jit_ba = 0, qcap = 4096, spin_us = 50;
  double loss_ab = 0, loss_ba = 0;
  const char *truth_path = NULL, *pidfile = NULL;
  seed = 1;
  enum { O_ANS = 256, O_ATAP, O_BNS, O_BTAP, O_DAB, O_DBA, O_JIT, O_JAB, O_JBA, O_LAB, O_LBA, O_SEED, O_QUEUE,
         O_SPIN, O_STATS, O_STDOUT, O_TRUTH, O_PID, O_TAG, O_ALL, O_READ_STAMPS, O_HELP };
  static const struct option opts[] = {
      {"a-ns", 1, 0, O_ANS},        {"a-tap", 1, 0, O_ATAP},      {"b-ns", 1, 0, O_BNS},
      {"b-tap", 1, 0, O_BTAP},      {"delay-ab-us", 1, 0, O_DAB}, {"delay-ba-us", 1, 0, O_DBA},
      {"jitter-us", 1, 0, O_JIT},   {"jitter-ab-us", 1, 0, O_JAB}, {"jitter-ba-us", 1, 0, O_JBA},
      {"loss-ab", 1, 0, O_LAB},     {"loss-ba", 1, 0, O_LBA},     {"seed", 1, 0, O_SEED},
      {"queue", 1, 0, O_QUEUE},     {"spin-us", 1, 0, O_SPIN},    {"stats", 1, 0, O_STATS},
      {"stats-stdout", 0, 0, O_STDOUT}, {"truth", 1, 0, O_TRUTH}, {"pidfile", 1, 0, O_PID},
      {"tag", 1, 0, O_TAG},         {"impair-all", 0, 0, O_ALL},  {"read-stamps", 0, 0, O_READ_STAMPS},
      {"help", 0, 0, O_HELP},
      {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case O_ANS: a_ns = optarg; break;
    case O_ATAP: a_tap = optarg; break;
    case O_BNS: b_ns = optarg; break;
    case O_BTAP: b_tap = optarg; break;
    case O_DAB: delay_ab = parse_u64("--delay-ab-us", optarg); break;
    case O_DBA: delay_ba = parse_u64("--delay-ba-us", optarg); break;
    case O_JIT: jit_ab = jit_ba = parse_u64("--jitter-us", optarg); break;
    case O_JAB: jit_ab = parse_u64("--jitter-ab-us", optarg); break;
    case O_JBA: jit_ba = parse_u64("--jitter-ba-us", optarg); break;
    case O_LAB: loss_ab = parse_prob("--loss-ab", optarg); break;
    case O_LBA: loss_ba = parse_prob("--loss-ba", optarg); break;
    case O_SEED: seed = parse_u64("--seed", optarg); break;
    case O_QUEUE: qcap = parse_u64("--queue", optarg); break;
    case O_SPIN: spin_us = parse_u64("--spin-us", optarg); break;
    case O_STATS: stats_path = optarg; break;
    case O_STDOUT: stats_stdout = true; break;
    case O_TRUTH: truth_path = optarg; break;
    case O_PID: pidfile = optarg; break;
    case O_TAG: tag = optarg; break;
    case O_ALL: impair_all = true; break;
    case O_READ_STAMPS: read_stamps = true; break;
    default: usage();
    }
  }
  if (!a_tap || !b_tap || optind != argc) usage();
  if (qcap < 1 || qcap > 1u << 20) die("--queue: 1..1048576");
  for (const char *p = tag; *p; p++)
    if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20) die("--tag: no quotes, backslashes or control chars");

  rng_state = seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
  if (rng_state == 0) rng_state = 1;
  spin_ns = spin_us * 1000;
  // Precise wakeups: no timer slack (default 50 µs would dominate the residence error).
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

  struct impair ia = {delay_ab * 1000, jit_ab * 1000, loss_ab};
  struct impair ib = {delay_ba * 1000, jit_ba * 1000, loss_ba};
  dirs[0] = (struct dir){.name = "ab", .imp = ia, .qcap = (uint32_t)qcap};
  dirs[1] = (struct dir){.name = "ba", .imp = ib, .qcap = (uint32_t)qcap};
  // a direction's stamps are those of the tap it reads
  int fa = open_tap_in_ns(a_ns, a_tap, &dirs[0].stamps, dirs[0].stamps_err, sizeof dirs[0].stamps_err);
  int fb = open_tap_in_ns(b_ns, b_tap, &dirs[1].stamps, dirs[1].stamps_err, sizeof dirs[1].stamps_err);
  dirs[0].in_fd = dirs[1].out_fd = fa;
  dirs[1].in_fd = dirs[0].out_fd = fb;
  for (int i = 0; i < 2; i++) {
    bool need_q = dirs[i].imp.delay_ns > 0 || dirs[i].imp.jitter_ns > 0;
    if (!need_q) dirs[i].qcap = 1; // never used unless a write must wait; keep a minimal queue
    dirs[i].q = calloc(dirs[i].qcap, sizeof(struct slot));
    dirs[i].st.cap = MAX_SAMPLES;
    dirs[i].st.res = malloc(MAX_SAMPLES * sizeof(uint64_t));
    dirs[i].st.late = malloc(MAX_SAMPLES * sizeof(uint64_t));
    dirs[i].st.lag = malloc(MAX_SAMPLES * sizeof(uint64_t));
    if (!dirs[i].q || !dirs[i].st.res || !dirs[i].st.late || !dirs[i].st.lag) die("oom");
  }

  if (truth_path) {
    truth_fp = fopen(truth_path, "w");
    if (!truth_fp) die("open %s: %s", truth_path, strerror(errno));
    setvbuf(truth_fp, NULL, _IOFBF, 1 << 20);
  }

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGUSR1);
  sigaddset(&mask, SIGUSR2);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  signal(SIGPIPE, SIG_IGN);
  int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (sfd < 0 || tfd < 0 || ep < 0) die("signalfd/timerfd/epoll: %s", strerror(errno));
  struct epoll_event ev = {.events = EPOLLIN};
  ev.data.u32 = 0;
  epoll_ctl(ep, EPOLL_CTL_ADD, fa, &ev);
  ev.data.u32 = 1;
  epoll_ctl(ep, EPOLL_CTL_ADD, fb, &ev);
  ev.data.u32 = 2;
  epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
  ev.data.u32 = 3;
  epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);

  start_ns = mono_ns();
  if (pidfile) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", pidfile);
    FILE *f = fopen(tmp, "w");
    if (!f) die("open %s: %s", tmp, strerror(errno));
    fprintf(f, "%d\n", (int)getpid());
    if (fclose(f) != 0 || rename(tmp, pidfile) != 0) die("write pidfile %s: %s", pidfile, strerror(errno));
  }

  uint64_t armed = 0;
  bool running = true;
  while (running) {
    struct epoll_event evs[8];
    int n = epoll_wait(ep, evs, 8, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait: %s", strerror(errno));
    }
    for (int i = 0; i < n; i++) {
      uint32_t k = evs[i].data.u32;
      if (k == 0 || k == 1) {
        on_readable((int)k);
      } else if (k == 2) {
        uint64_t exp;
        while (read(tfd, &exp, sizeof exp) > 0) {
        }
        armed = 0;
      } else if (k == 3) {
        struct signalfd_siginfo si;
        while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
          if (si.ssi_signo == SIGUSR1) emit_stats();
          else if (si.ssi_signo == SIGUSR2) {
            for (int di = 0; di < 2; di++) {
              stats_reset(&dirs[di].st);
              dirs[di].stamps.matched = dirs[di].stamps.missing = dirs[di].stamps.skipped = 0;
            }
            resets++;
          } else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) running = false;
        }
      }
    }
    uint64_t next = flush_due();
    if (next != armed) {
      struct itimerspec its = {0};
      if (next) {
        its.it_value.tv_sec = (time_t)(next / 1000000000ull);
        its.it_value.tv_nsec = (long)(next % 1000000000ull);
        // wake spin_ns early and spin the rest (when --spin-us is set)
        if (spin_ns && next > spin_ns) {
          uint64_t e = next - spin_ns;
          its.it_value.tv_sec = (time_t)(e / 1000000000ull);
          its.it_value.tv_nsec = (long)(e % 1000000000ull);
        }
      }
      timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
      armed = next;
    }
  }
  emit_stats();
  if (truth_fp) fclose(truth_fp);
  return 0;
}
