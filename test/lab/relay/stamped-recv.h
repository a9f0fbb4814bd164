// A datagram read with the kernel's receive stamp (SO_TIMESTAMPNS, CLOCK_REALTIME), as the lab's
// echo services read requests: the lab VM's (udp-echo.c) and the nested lab guest's
// (test/lab/nested/guest/xtrace-guest.c). Include after _GNU_SOURCE.
#ifndef XTRACE_LAB_STAMPED_RECV_H
#define XTRACE_LAB_STAMPED_RECV_H

#include "clock.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

// One recvmsg's sender and control messages; msg.msg_namelen is the sender's length for sendto.
struct stamped_recv {
  struct sockaddr_in peer;
  struct iovec iov;
  union {
    char buf[CMSG_SPACE(sizeof(struct timespec))];
    struct cmsghdr align;
  } ctl;
  struct msghdr msg;
};

// recvmsg of one datagram into buf (at most cap bytes), its sender and stamp kept in r.
static inline ssize_t stamped_recv(int fd, struct stamped_recv *r, void *buf, size_t cap, int flags) {
  r->iov = (struct iovec){.iov_base = buf, .iov_len = cap};
  r->msg = (struct msghdr){.msg_name = &r->peer, .msg_namelen = sizeof r->peer, .msg_iov = &r->iov, .msg_iovlen = 1,
                           .msg_control = r->ctl.buf, .msg_controllen = sizeof r->ctl.buf};
  return recvmsg(fd, &r->msg, flags);
}

// The kernel's receive stamp of the datagram stamped_recv read, as CLOCK_MONOTONIC ns; -1 without one.
static inline int64_t stamped_rx_mono(struct stamped_recv *r) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&r->msg); c; c = CMSG_NXTHDR(&r->msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec ts;
      memcpy(&ts, CMSG_DATA(c), sizeof ts);
      return realtime_to_mono((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
    }
  }
  return -1;
}

#endif
