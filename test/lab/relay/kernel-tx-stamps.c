// Kernel transmit timestamps of the frames a relay reads from a tap (see kernel-tx-stamps.h).
#define _GNU_SOURCE
#include "kernel-tx-stamps.h"

#include "clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SNAP_BYTES 128u       // bytes of each copy kept to recognise the frame
#define FRAME_SIZE 256u       // tpacket2 header + SNAP_BYTES, aligned
#define BLOCK_SIZE (1u << 16) // a multiple of FRAME_SIZE: frames are contiguous in the ring
#define BLOCKS 16u            // 4096 frames
#define LOOKAHEAD 256u        // stamps searched for the frame just read

static int fail(struct tx_stamps *s, char *err, size_t errlen, const char *what, const char *ifname) {
  snprintf(err, errlen, "%s on %s: %s", what, ifname, strerror(errno));
  if (s->ring) munmap(s->ring, s->ring_len);
  if (s->fd >= 0) close(s->fd);
  s->ring = NULL;
  s->fd = -1;
  return -1;
}

int tx_stamps_open(struct tx_stamps *s, const char *ifname, char *err, size_t errlen) {
  memset(s, 0, sizeof *s);
  s->fd = -1;
  unsigned ifindex = if_nametoindex(ifname);
  if (ifindex == 0) return fail(s, err, errlen, "if_nametoindex", ifname);
  // protocol 0: nothing is queued before bind(), so the filter is in place first
  s->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s->fd < 0) return fail(s, err, errlen, "socket(AF_PACKET)", ifname);
  // keep frames the kernel transmits on the tap (what the relay reads), not those it writes
  struct sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SNAP_BYTES),
      BPF_STMT(BPF_RET | BPF_K, 0),
  };
  struct sock_fprog prog = {.len = sizeof code / sizeof code[0], .filter = code};
  if (setsockopt(s->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0)
    return fail(s, err, errlen, "SO_ATTACH_FILTER", ifname);
  int version = TPACKET_V2;
  if (setsockopt(s->fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) < 0)
    return fail(s, err, errlen, "PACKET_VERSION", ifname);
  struct tpacket_req req = {
      .tp_block_size = BLOCK_SIZE,
      .tp_block_nr = BLOCKS,
      .tp_frame_size = FRAME_SIZE,
      .tp_frame_nr = BLOCK_SIZE / FRAME_SIZE * BLOCKS,
  };
  if (setsockopt(s->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0)
    return fail(s, err, errlen, "PACKET_RX_RING", ifname);
  s->ring_len = (size_t)BLOCK_SIZE * BLOCKS;
  s->ring = mmap(NULL, s->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
  if (s->ring == MAP_FAILED) {
    s->ring = NULL;
    return fail(s, err, errlen, "mmap packet ring", ifname);
  }
  s->frame_size = FRAME_SIZE;
  s->frames = req.tp_frame_nr;
  struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = (int)ifindex};
  if (bind(s->fd, (struct sockaddr *)&sll, sizeof sll) < 0) return fail(s, err, errlen, "bind packet socket", ifname);
  return 0;
}

static struct tpacket2_hdr *frame_at(struct tx_stamps *s, uint32_t i) {
  return (struct tpacket2_hdr *)(void *)(s->ring + (size_t)(i % s->frames) * s->frame_size);
}

static bool ready(struct tpacket2_hdr *h) { return (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) != 0; }

static void release_head(struct tx_stamps *s) {
  __atomic_store_n(&frame_at(s, s->head)->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
  s->head = (s->head + 1) % s->frames;
}

bool tx_stamps_take(struct tx_stamps *s, const uint8_t *frame, uint32_t len, uint64_t read_ns, uint64_t *mono_ns) {
  if (s->fd < 0) {
    s->missing++;
    return false;
  }
  uint32_t k = 0;
  for (; k < LOOKAHEAD; k++) {
    struct tpacket2_hdr *h = frame_at(s, s->head + k);
    if (!ready(h)) break;
    uint32_t cmp = h->tp_snaplen < len ? h->tp_snaplen : len;
    if (h->tp_len != len || memcmp((const uint8_t *)h + h->tp_mac, frame, cmp) != 0) continue;
    int64_t mono = realtime_to_mono((uint64_t)h->tp_sec * 1000000000ull + h->tp_nsec);
    for (uint32_t j = 0; j <= k; j++) release_head(s);
    s->skipped += k;
    // a stamp from after the read (beyond the offset's sampling error) or a second old is not this frame's
    if (mono > (int64_t)read_ns + 2000 || (int64_t)read_ns - mono > 1000000000) {
      s->missing++;
      return false;
    }
    s->matched++;
    *mono_ns = mono > (int64_t)read_ns ? read_ns : (uint64_t)mono;
    return true;
  }
  // not found: if the window is full of stamps nobody reads, let the oldest go
  if (k == LOOKAHEAD) {
    release_head(s);
    s->skipped++;
  }
  s->missing++;
  return false;
}
