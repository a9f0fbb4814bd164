#include "ring-reader.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

namespace {

// The kernel's ring layout (kernel/bpf/ringbuf.c): an 8-byte header before every entry, its
// length word carrying the busy (being written) and discard bits, entries 8-byte aligned.
constexpr uint32_t kHeaderBytes = BPF_RINGBUF_HDR_SZ;
constexpr uint32_t kBusyBit = BPF_RINGBUF_BUSY_BIT;
constexpr uint32_t kDiscardBit = BPF_RINGBUF_DISCARD_BIT;

size_t RoundedEntry(uint32_t len) { return (static_cast<size_t>(len) + kHeaderBytes + 7) & ~size_t{7}; }

}  // namespace

RingReader::~RingReader() { Close(); }

void RingReader::Close() {
  if (consumer_ != nullptr) munmap(consumer_, consumerLen_);
  if (producer_ != nullptr) munmap(producer_, producerLen_);
  consumer_ = nullptr;
  producer_ = nullptr;
  data_ = nullptr;
}

int RingReader::Open(int map_fd, const char** what) {
  bpf_map_info info{};
  uint32_t infoLen = sizeof(info);
  if (bpf_obj_get_info_by_fd(map_fd, &info, &infoLen) != 0) {
    *what = "bpf_obj_get_info_by_fd";
    return -errno;
  }
  if (info.type != BPF_MAP_TYPE_RINGBUF || info.max_entries == 0 || (info.max_entries & (info.max_entries - 1)) != 0) {
    *what = "not a BPF_MAP_TYPE_RINGBUF of a power-of-2 size";
    return -EINVAL;
  }
  mapFd_ = map_fd;
  size_t pageSize = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  mask_ = info.max_entries - 1;
  consumerLen_ = pageSize;
  consumer_ = mmap(nullptr, consumerLen_, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
  if (consumer_ == MAP_FAILED) {
    consumer_ = nullptr;
    *what = "mmap of the consumer page";
    return -errno;
  }
  // the producer page and the data area once (libbpf: twice, 2 * max_entries)
  producerLen_ = pageSize + info.max_entries;
  producer_ = mmap(nullptr, producerLen_, PROT_READ, MAP_SHARED, map_fd, static_cast<off_t>(pageSize));
  if (producer_ == MAP_FAILED) {
    producer_ = nullptr;
    *what = "mmap of the producer page and data";
    return -errno;
  }
  data_ = static_cast<const uint8_t*>(producer_) + pageSize;
  return 0;
}

int RingReader::Consume(OnEntry cb, void* ctx) {
  auto* consumerPos = static_cast<unsigned long*>(consumer_);
  auto* producerPos = static_cast<const unsigned long*>(producer_);
  if (consumerPos == nullptr) return 0;  // closed
  unsigned long cons = __atomic_load_n(consumerPos, __ATOMIC_ACQUIRE);
  int delivered = 0;
  for (;;) {
    unsigned long prod = __atomic_load_n(producerPos, __ATOMIC_ACQUIRE);
    if (cons >= prod) return delivered;
    while (cons < prod) {
      // headers are 8-byte aligned in a ring whose size is a multiple of 8: never split
      const uint8_t* hdr = data_ + (cons & mask_);
      uint32_t len = __atomic_load_n(reinterpret_cast<const uint32_t*>(hdr), __ATOMIC_ACQUIRE);
      if (len & kBusyBit) return delivered;  // being written: the producer wakes us when it is done
      cons += RoundedEntry(len & ~kDiscardBit);
      if ((len & kDiscardBit) == 0) {
        size_t start = ((hdr - data_) + kHeaderBytes) & mask_;
        const void* sample = data_ + start;
        if (start + len > mask_ + 1) {
          // crosses the end of the ring: its tail is at the ring's start
          if (scratch_.size() < len) scratch_.resize(len);
          size_t head = mask_ + 1 - start;
          memcpy(scratch_.data(), data_ + start, head);
          memcpy(scratch_.data() + head, data_, len - head);
          sample = scratch_.data();
        }
        int err = cb(ctx, sample, len);
        if (err < 0) {
          __atomic_store_n(consumerPos, cons, __ATOMIC_RELEASE);
          return err;
        }
        if (delivered < INT32_MAX) delivered++;
      }
      __atomic_store_n(consumerPos, cons, __ATOMIC_RELEASE);
    }
  }
}
