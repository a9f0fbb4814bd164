// A consumer of one BPF_MAP_TYPE_RINGBUF that maps the ring's data area once.
//
// libbpf's ring_buffer maps the data area twice, back to back, so that an entry crossing the
// end of the ring reads as one contiguous block. That second mapping is the ring's size again
// in the process's RSS (4 MiB for the agent's default ring). The drain thread copies every entry
// into its batches anyway, so this reader maps the data once and copies an entry that wraps into
// a scratch buffer first (two memcpy): same records, same order, same consumer protocol.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <vector>

class RingReader {
 public:
  // Called per entry (not discarded); < 0 stops the consume (the entry counts as consumed).
  using OnEntry = int (*)(void* ctx, const void* data, size_t size);

  RingReader() = default;
  RingReader(const RingReader&) = delete;
  RingReader& operator=(const RingReader&) = delete;
  ~RingReader();

  // Maps the ring of map_fd. 0, or -errno (the step that failed in *what).
  int Open(int map_fd, const char** what);
  // Consumes every committed entry: the number of entries delivered, or the callback's < 0 value.
  int Consume(OnEntry cb, void* ctx);
  // Unmaps the ring (the map's memory is the kernel's to free once nothing maps it). Idempotent.
  void Close();
  // The map fd: poll it (EPOLLIN) for the producers' wake-ups.
  int Fd() const { return mapFd_; }

 private:
  int mapFd_ = -1;
  size_t mask_ = 0;
  void* consumer_ = nullptr;  // consumer position page (read-write)
  size_t consumerLen_ = 0;
  void* producer_ = nullptr;  // producer position page, then the data once (read-only)
  size_t producerLen_ = 0;
  const uint8_t* data_ = nullptr;
  std::vector<uint8_t> scratch_;  // an entry that wraps, made contiguous
};
