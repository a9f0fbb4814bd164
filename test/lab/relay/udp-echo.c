// xtrace-udp-echo: the UDP service of a lab VM. Echoes every datagram back to its sender and
// measures its own part of the VM's turnaround: from the kernel's receive stamp of the request
// (SO_TIMESTAMPNS: when the guest's stack took the frame, inside the relay's write to the VM's
// tap) to just before the reply's sendto(). With the VM relay's residences this is the whole
// turnaround the host sees, so a test can hold xtrace's VM turnaround to a measured truth.
//
// usage: xtrace-udp-echo --port N [--host ADDR] [--duration-ms N]
// stdout: {"event":"listening","port":N}, then on SIGTERM/SIGINT or when the duration ends
//   {"event":"stats","received":N,"sent":N,"send_errors":N,"unstamped":N,"service_ns":{...}}
#define _GNU_SOURCE
#include "clock.h"
#include "distribution.h"
#include "stamped-recv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_SAMPLES (1u << 20)

static uint64_t received, sent, send_errors, unstamped;
static uint64_t *samples;
static uint32_t nsamples;

static void die(const char *what) {
  fprintf(stderr, "xtrace-udp-echo: %s: %s\n", what, strerror(errno));
  exit(1);
}

static uint64_t parse_u64(const char *flag, const char *v) {
  char *end;
  errno = 0;
  unsigned long long x = strtoull(v, &end, 10);
  if (errno || *end || end == v) {
    fprintf(stderr, "xtrace-udp-echo: %s: expected a non-negative integer, got '%s'\n", flag, v);
    exit(2);
  }
  return x;
}

// Echoes every datagram waiting on the socket.
static void serve(int fd) {
  static uint8_t buf[65536];
  for (;;) {
    struct stamped_recv r;
    ssize_t n = stamped_recv(fd, &r, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      die("recvmsg");
    }
    received++;
    int64_t rx = stamped_rx_mono(&r);
    uint64_t tx = mono_ns();
    if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&r.peer, r.msg.msg_namelen) != n) {
      send_errors++;
      continue;
    }
    sent++;
    if (rx < 0 || (uint64_t)rx > tx) {
      unstamped++;
    } else if (nsamples < MAX_SAMPLES) {
      samples[nsamples++] = tx - (uint64_t)rx;
    }
  }
}

static void print_stats(void) {
  printf("{\"event\":\"stats\",\"received\":%" PRIu64 ",\"sent\":%" PRIu64 ",\"send_errors\":%" PRIu64
         ",\"unstamped\":%" PRIu64 ",",
         received, sent, send_errors, unstamped);
  dist_json(stdout, "service_ns", samples, nsamples);
  printf("}\n");
  fflush(stdout);
}

int main(int argc, char **argv) {
  uint64_t port = 0, duration_ms = 0;
  const char *host = "0.0.0.0";
  static const struct option opts[] = {
      {"port", 1, 0, 'p'}, {"host", 1, 0, 'h'}, {"duration-ms", 1, 0, 'd'}, {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'p') port = parse_u64("--port", optarg);
    else if (c == 'h') host = optarg;
    else if (c == 'd') duration_ms = parse_u64("--duration-ms", optarg);
    else {
      fprintf(stderr, "usage: xtrace-udp-echo --port N [--host ADDR] [--duration-ms N]\n");
      return 2;
    }
  }
  if (port < 1 || port > 65535 || optind != argc) {
    fprintf(stderr, "xtrace-udp-echo: --port: expected 1..65535\n");
    return 2;
  }
  samples = malloc(MAX_SAMPLES * sizeof *samples);
  if (!samples) die("malloc");

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
  if (sfd < 0) die("signalfd");

  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) < 0) die("SO_TIMESTAMPNS");
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    fprintf(stderr, "xtrace-udp-echo: --host: expected an IPv4 address, got '%s'\n", host);
    return 2;
  }
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
  printf("{\"event\":\"listening\",\"port\":%" PRIu64 "}\n", port);
  fflush(stdout);

  uint64_t end = duration_ms ? mono_ns() + duration_ms * 1000000ull : 0;
  for (;;) {
    int timeout = -1;
    if (end) {
      uint64_t now = mono_ns();
      if (now >= end) break;
      timeout = (int)((end - now + 999999) / 1000000);
    }
    struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
    int r = poll(p, 2, timeout);
    if (r < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (p[0].revents & POLLIN) serve(fd);
    if (p[1].revents & POLLIN) break;
  }
  print_stats();
  return 0;
}
