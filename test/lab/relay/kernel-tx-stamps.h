// Kernel transmit timestamps of the frames a relay reads from a tap.
//
// A relay can timestamp a frame only when read() returns it, which is after the kernel queued
// it on the tap *and* after the relay process woke up (tens of µs on a loaded 2-core VM). The
// wire or VM the relay stands for starts at the queueing, so the lab's truth must too. The
// kernel copies every frame it transmits on a device to packet sockets bound there
// (dev_queue_xmit_nit, just before the driver's xmit, i.e. before the frame is readable from
// the tap) and stamps the copy. This module keeps such a socket per tap, with a TPACKET_V2
// ring (no syscall per frame) and a classic BPF filter that keeps only outgoing frames (not
// those the relay itself writes into the tap), and hands out the stamp of the frame just read,
// converted from CLOCK_REALTIME (the socket's clock) to CLOCK_MONOTONIC (the clock BPF and the
// relay use).
#ifndef XTRACE_KERNEL_TX_STAMPS_H
#define XTRACE_KERNEL_TX_STAMPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tx_stamps {
  int fd;
  uint8_t *ring;
  size_t ring_len;
  uint32_t frame_size;
  uint32_t frames;
  uint32_t head;
  // frames whose stamp was found
  uint64_t matched;
  // stamps of frames never read (the tap's queue dropped them) or not matched, discarded
  uint64_t skipped;
  // frames read with no stamp (ring overrun or socket unavailable): the read time stands in
  uint64_t missing;
};

// Opens the packet socket on `ifname` in the calling thread's network namespace.
// Returns 0, or -1 with a reason in err (the relay then falls back to read timestamps).
int tx_stamps_open(struct tx_stamps *s, const char *ifname, char *err, size_t errlen);

// The CLOCK_MONOTONIC time at which the kernel transmitted `frame` on the tap, if its stamp is
// in the ring; consumes it and the stamps of earlier frames that were never read. `read_ns`
// (when read() returned it) bounds the stamp: a stamp later than it, or older than a second,
// is not this frame's.
bool tx_stamps_take(struct tx_stamps *s, const uint8_t *frame, uint32_t len, uint64_t read_ns, uint64_t *mono_ns);

#endif
