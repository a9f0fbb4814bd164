// Drain thread per BPF ring buffer: whole records copied into batches, handed to JS through a
// thread-safe function, with backpressure (stop draining while JS lags; the kernel ring fills and
// BPF counts its own drops: nothing is dropped silently in user space).
#pragma once

#include <bpf/libbpf.h>
#include <unistd.h>
#include <napi.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct RingOptions {
  size_t recordSize = 64;
  size_t batchRecords = 256;
  uint32_t flushMs = 50;
  uint32_t maxPendingBatches = 64;
  // batches are lent to JS for the callback only, then detached and reused (no garbage per batch)
  bool lend = false;
};

struct RingState {
  std::string map;
  RingOptions opt;
  ring_buffer* rb = nullptr;
  int epollFd = -1;  // the ring's epoll fd and stopFd: what the drain thread waits on
  int stopFd = -1;   // eventfd written by StopRing
  std::thread thread;
  std::atomic<bool> stop{false};
  // batches handed to JS and not yet delivered
  std::atomic<uint32_t> pending{0};
  std::atomic<uint64_t> records{0};
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> pauses{0};
  std::atomic<uint64_t> sizeMismatches{0};
  std::atomic<int> lastError{0};
  size_t ringBytes = 0;
  Napi::ThreadSafeFunction tsfn;

  // lend: batch memory back from JS, ready for the next batch (at most maxPendingBatches + 1 exist)
  std::mutex spareMu;
  std::vector<uint8_t*> spare;

  // drain-thread only
  uint8_t* cur = nullptr;
  size_t curCount = 0;
  std::chrono::steady_clock::time_point curStart;
  bool backpressureHit = false;
  bool finalDrain = false;

  // main-thread only
  bool done = false;  // the last batch was delivered (or the environment is gone)
  std::vector<Napi::Promise::Deferred> waiters;
  Napi::ObjectReference owner;  // the BpfObject, kept alive while draining

  ~RingState() {
    // closed here, not by the thread: StopRing may still write stopFd after the thread ended
    if (epollFd >= 0) close(epollFd);
    if (stopFd >= 0) close(stopFd);
    free(cur);
    for (uint8_t* b : spare) free(b);
  }
  uint8_t* TakeBatchMemory();
  void GiveBackBatchMemory(uint8_t* data);
  void Run();
  void Flush();
  int OnRecord(const void* data, size_t size);
};

// Asks the thread to stop (it drains what is left and delivers it). With join, waits for it.
void StopRing(RingState& ring, bool join);

class RingBufferWrap : public Napi::ObjectWrap<RingBufferWrap> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit RingBufferWrap(const Napi::CallbackInfo& info);

 private:
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  std::shared_ptr<RingState> state_;
};
