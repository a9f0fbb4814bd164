// Drain thread per BPF ring buffer: whole records copied into batches, handed to JS through a
// thread-safe function, with backpressure (stop draining while JS lags; the kernel ring fills and
// BPF counts its own drops: nothing is dropped silently in user space).
#pragma once

#include <bpf/libbpf.h>
#include <unistd.h>
#include <napi.h>

#include "ring-reader.h"

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
  // Per-CPU staging in BPF (empty names: none): a per-CPU array map whose value is a u32 count
  // of records waiting, a u32 of BPF's own, then the records, each starting with its
  // CLOCK_MONOTONIC ns timestamp; and a raw_tp program that sends its CPU's records to the ring.
  // The drain thread looks every flushMs and runs the program (BPF_PROG_TEST_RUN on that CPU) for
  // every CPU whose oldest record is flushMs / 2 old (so a record waits there < 2 flushMs), and
  // for every CPU with records before its last drain.
  std::string stagingMap;
  std::string stagingProgram;
};

constexpr size_t kStagingHeaderBytes = 8;

// A ring entry may carry several whole records (a staged batch): at most this many.
constexpr size_t kMaxRecordsPerEntry = 64;

struct RingState {
  std::string map;
  RingOptions opt;
  RingReader reader;
  int epollFd = -1;  // the ring map fd and wakeFd: what the drain thread waits on
  int wakeFd = -1;   // eventfd written by StopRing and by a drain request
  std::thread thread;
  std::atomic<bool> stop{false};
  // batches handed to JS and not yet delivered
  std::atomic<uint32_t> pending{0};
  std::atomic<uint64_t> records{0};
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> pauses{0};
  std::atomic<uint64_t> sizeMismatches{0};
  std::atomic<uint64_t> stagingFlushes{0};  // CPUs flushed
  std::atomic<uint64_t> stagingBusy{0};     // flushes refused: a program was inside the batch
  std::atomic<uint64_t> stagingErrors{0};   // failed lookups or runs (errno in lastError)
  std::atomic<int> lastError{0};
  // drain(): requests numbered by the main thread; the drain thread answers the newest it saw
  std::atomic<uint64_t> drainsAsked{0};
  size_t ringBytes = 0;
  int stagingMapFd = -1;
  int stagingProgFd = -1;
  size_t stagingStride = 0;  // bytes per CPU in a per-CPU lookup's result
  std::vector<uint8_t> stagingValues;
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
  uint64_t drainsAnswered = 0;

  // main-thread only
  bool done = false;  // the last batch was delivered (or the environment is gone)
  std::vector<Napi::Promise::Deferred> waiters;  // close()
  std::vector<std::pair<uint64_t, Napi::Promise::Deferred>> drainWaiters;  // drain(), by request number
  Napi::ObjectReference owner;  // the BpfObject, kept alive while draining

  ~RingState() {
    // closed here, not by the thread: StopRing may still write wakeFd after the thread ended
    if (epollFd >= 0) close(epollFd);
    if (wakeFd >= 0) close(wakeFd);
    free(cur);
    for (uint8_t* b : spare) free(b);
  }
  uint8_t* TakeBatchMemory();
  void GiveBackBatchMemory(uint8_t* data);
  void Run();
  void Flush();
  // force: every CPU with records waiting, however young
  void FlushStaging(bool force);
  // drain-thread: a drain request is waiting; answer it (everything staged and in the ring, as
  // batches, then a marker behind them that resolves the request's promise)
  void AnswerDrains();
  int OnRecord(const void* data, size_t size);
};

// Asks the thread to stop (it drains what is left and delivers it). With join, waits for it.
void StopRing(RingState& ring, bool join);
// Wakes the drain thread (a stop or a drain request).
void WakeRing(RingState& ring);

class RingBufferWrap : public Napi::ObjectWrap<RingBufferWrap> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit RingBufferWrap(const Napi::CallbackInfo& info);

 private:
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Drain(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  std::shared_ptr<RingState> state_;
};
