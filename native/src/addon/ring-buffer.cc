#include "ring-buffer.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <time.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"
#include "bpf-object.h"
#include "errors.h"

namespace {

struct Batch {
  uint8_t* data;
  size_t len;
};

using Clock = std::chrono::steady_clock;

int SampleCb(void* ctx, const void* data, size_t size) { return static_cast<RingState*>(ctx)->OnRecord(data, size); }

// Records consumed after stop() at most: what can sit in the ring at once (bounds the final drain
// while programs keep producing).
thread_local size_t tFinalBudget = 0;

}  // namespace

uint8_t* RingState::TakeBatchMemory() {
  if (opt.lend) {
    std::lock_guard<std::mutex> lock(spareMu);
    if (!spare.empty()) {
      uint8_t* b = spare.back();
      spare.pop_back();
      return b;
    }
  }
  // room for one more entry's records past batchRecords: an entry is never split
  return static_cast<uint8_t*>(malloc((opt.batchRecords + kMaxRecordsPerEntry) * opt.recordSize));
}

void RingState::GiveBackBatchMemory(uint8_t* data) {
  std::lock_guard<std::mutex> lock(spareMu);
  spare.push_back(data);
}

int RingState::OnRecord(const void* data, size_t size) {
  if (cur == nullptr) {
    cur = TakeBatchMemory();
    if (cur == nullptr) return -ENOMEM;
    curCount = 0;
    curStart = Clock::now();
  }
  uint8_t* dst = cur + curCount * opt.recordSize;
  size_t whole = size / opt.recordSize;
  if (size % opt.recordSize == 0 && whole >= 1 && whole <= kMaxRecordsPerEntry) {
    memcpy(dst, data, size);  // one record, or a staged batch of them
    curCount += whole;
  } else {
    // not whole records: keep the first record's worth (zero-filled), count it
    size_t n = size < opt.recordSize ? size : opt.recordSize;
    memcpy(dst, data, n);
    memset(dst + n, 0, opt.recordSize - n);
    sizeMismatches.fetch_add(1, std::memory_order_relaxed);
    curCount++;
  }
  if (finalDrain) {
    if (curCount >= opt.batchRecords) Flush();
    if (tFinalBudget == 0 || --tFinalBudget == 0) return -1;
    return 0;
  }
  if (curCount >= opt.batchRecords) {
    if (pending.load(std::memory_order_acquire) < opt.maxPendingBatches) {
      Flush();
    } else {
      // Keep the full batch and stop consuming: the rest stays in the kernel ring.
      backpressureHit = true;
      return -1;
    }
  }
  return 0;
}

void RingState::Flush() {
  if (cur == nullptr || curCount == 0) return;
  Batch* b = new Batch{cur, curCount * opt.recordSize};
  size_t n = curCount;
  cur = nullptr;
  curCount = 0;
  pending.fetch_add(1, std::memory_order_acq_rel);
  RingState* self = this;
  napi_status st = tsfn.NonBlockingCall(b, [self](Napi::Env env, Napi::Function fn, Batch* batch) {
    struct Delivered {
      RingState* s;
      ~Delivered() { s->pending.fetch_sub(1, std::memory_order_acq_rel); }
    } delivered{self};
    if (env == nullptr || fn.IsEmpty()) {
      free(batch->data);
      delete batch;
      return;
    }
    uint8_t* data = batch->data;
    size_t len = batch->len;
    delete batch;
    if (self->opt.lend) {
      // Lent: the Buffer is valid during the call only. Detached afterwards (a Buffer kept by JS
      // reads as empty, never as the next batch) and its memory reused: no garbage per batch.
      Napi::Buffer<uint8_t> buf = Napi::Buffer<uint8_t>::New(env, data, len, [](Napi::Env, uint8_t*) {});
      Napi::ArrayBuffer ab = buf.ArrayBuffer();
      try {
        fn.Call({buf});
      } catch (const Napi::Error& e) {
        ab.Detach();
        self->GiveBackBatchMemory(data);
        napi_fatal_exception(env, e.Value());
        return;
      }
      ab.Detach();
      self->GiveBackBatchMemory(data);
      return;
    }
    // Zero-copy: the batch memory becomes the Buffer's backing store, freed by its finalizer.
    Napi::Buffer<uint8_t> buf = Napi::Buffer<uint8_t>::New(env, data, len, [](Napi::Env, uint8_t* d) { free(d); });
    try {
      fn.Call({buf});
    } catch (const Napi::Error& e) {
      // An exception in onBatch is the application's: raise it as an uncaught exception
      // (as an EventEmitter listener's would be), never swallow it.
      napi_fatal_exception(env, e.Value());
    }
  });
  if (st != napi_ok) {
    // The environment is going away: nobody can receive this batch any more.
    pending.fetch_sub(1, std::memory_order_acq_rel);
    free(b->data);
    delete b;
    return;
  }
  batches.fetch_add(1, std::memory_order_relaxed);
  records.fetch_add(n, std::memory_order_relaxed);
}

void RingState::FlushStaging(bool force) {
  if (stagingMapFd < 0) return;
  uint32_t zero = 0;
  if (bpf_map_lookup_elem(stagingMapFd, &zero, stagingValues.data()) != 0) {
    lastError.store(-errno);
    stagingErrors.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // A CPU is flushed once its oldest record is half a flush interval old: at high rates batches
  // fill and leave on their own within microseconds, and an IPI per CPU per interval is not free.
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  uint64_t nowNs = static_cast<uint64_t>(now.tv_sec) * 1000000000ull + static_cast<uint64_t>(now.tv_nsec);
  uint64_t minAgeNs = force ? 0 : static_cast<uint64_t>(opt.flushMs) * 500000ull;
  size_t cpus = stagingValues.size() / stagingStride;
  for (size_t cpu = 0; cpu < cpus; cpu++) {
    const uint8_t* v = stagingValues.data() + cpu * stagingStride;
    uint32_t waiting;
    uint64_t oldestNs;
    memcpy(&waiting, v, sizeof(waiting));
    memcpy(&oldestNs, v + kStagingHeaderBytes, sizeof(oldestNs));
    if (waiting == 0 || (nowNs > oldestNs && nowNs - oldestNs < minAgeNs)) continue;
    LIBBPF_OPTS(bpf_test_run_opts, run, .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = static_cast<uint32_t>(cpu));
    int err = bpf_prog_test_run_opts(stagingProgFd, &run);
    if (err == -ENXIO) continue;  // CPU offline: its records wait until it is back
    if (err != 0) {
      lastError.store(err);
      stagingErrors.fetch_add(1, std::memory_order_relaxed);
    } else if (run.retval != 0) {
      stagingBusy.fetch_add(1, std::memory_order_relaxed);  // taken by the next flush
    } else {
      stagingFlushes.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

void RingState::AnswerDrains() {
  uint64_t asked = drainsAsked.load(std::memory_order_acquire);
  FlushStaging(true);
  reader.Consume(SampleCb, this);
  Flush();
  drainsAnswered = asked;
  // Behind the batches in the thread-safe function's queue: JS has had every one of them when
  // the promise resolves.
  auto* upTo = new uint64_t(asked);
  RingState* self = this;
  napi_status st = tsfn.NonBlockingCall(upTo, [self](Napi::Env env, Napi::Function, uint64_t* n) {
    uint64_t answered = *n;
    delete n;
    if (env == nullptr) return;
    auto& w = self->drainWaiters;
    for (auto it = w.begin(); it != w.end();) {
      if (it->first <= answered) {
        it->second.Resolve(env.Undefined());
        it = w.erase(it);
      } else {
        ++it;
      }
    }
  });
  if (st != napi_ok) delete upTo;  // the environment is going: the finalizer resolves them
}

void RingState::Run() {
  pthread_setname_np(pthread_self(), "xt-ringbuf");
  bool paused = false;
  auto nextStaging = Clock::now();
  while (!stop.load(std::memory_order_acquire)) {
    if (drainsAsked.load(std::memory_order_acquire) != drainsAnswered) AnswerDrains();
    bool haveRoom = pending.load(std::memory_order_acquire) < opt.maxPendingBatches;
    if (stagingMapFd >= 0 && haveRoom && Clock::now() >= nextStaging) {
      // Records staged on a CPU that sends no more: to the ring, then into the current batch. On
      // the wake-ups the loop has anyway (at least one per flushMs): a wake-up of an idle agent
      // costs more than the look.
      FlushStaging(false);
      nextStaging = Clock::now() + std::chrono::milliseconds(opt.flushMs);
      reader.Consume(SampleCb, this);
      haveRoom = pending.load(std::memory_order_acquire) < opt.maxPendingBatches;
    }
    if (curCount > 0 && haveRoom) {
      auto age = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - curStart).count();
      if (curCount >= opt.batchRecords || age >= static_cast<long>(opt.flushMs)) {
        Flush();
        haveRoom = pending.load(std::memory_order_acquire) < opt.maxPendingBatches;
      }
    }
    if (!haveRoom) {
      if (!paused) {
        paused = true;
        pauses.fetch_add(1, std::memory_order_relaxed);
      }
      std::this_thread::sleep_for(std::chrono::microseconds(500));
      continue;
    }
    paused = false;
    // Wait for a wake-up (producers wake us per batch's worth of records) or until the
    // partial batch is due, at most flushMs: a timer wake-up per flushMs, not more.
    int timeout = static_cast<int>(opt.flushMs);
    if (curCount > 0) {
      auto age = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - curStart).count();
      long left = static_cast<long>(opt.flushMs) - age;
      if (left < 0) left = 0;
      if (left < timeout) timeout = static_cast<int>(left);
    }
    backpressureHit = false;
    // Our own epoll over the ring's and the stop eventfd: a long wait ends at once on close().
    epoll_event ev[2];
    int ready = epoll_wait(epollFd, ev, 2, timeout);
    if (ready < 0 && errno == EINTR) continue;
    if (stop.load(std::memory_order_acquire)) break;
    for (int i = 0; i < ready; i++) {
      if (ev[i].data.u32 != 1) continue;
      // a drain request's wake-up: cleared here, answered at the top of the loop (the request
      // is counted before its wake-up is written, so none is missed)
      uint64_t ignored;
      ssize_t r = read(wakeFd, &ignored, sizeof(ignored));
      (void)r;
    }
    int n = ready < 0 ? -errno : reader.Consume(SampleCb, this);
    if (ready == 0) {
      // Producers submit without waking us (xtrace wakes once per batch's worth): on a timeout,
      // take whatever is there and hand it over now, so records wait at most ~flushMs at low rates.
      n = reader.Consume(SampleCb, this);
      if (curCount > 0 && pending.load(std::memory_order_acquire) < opt.maxPendingBatches) Flush();
    }
    if (n < 0 && !backpressureHit && n != -EINTR) {
      lastError.store(n);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  // Stopped: drain what is left (ignoring backpressure: close() waits for delivery), deliver, release.
  finalDrain = true;
  Flush();
  FlushStaging(true);  // the programs are detached by now: what they staged is all there is
  tFinalBudget = ringBytes / 8 + 1;
  reader.Consume(SampleCb, this);
  Flush();
  reader.Close();  // now, not when JS drops the RingBuffer: the ring's memory goes with the object
  tsfn.Release();
}

void WakeRing(RingState& ring) {
  if (ring.wakeFd >= 0) {
    uint64_t one = 1;
    ssize_t w = write(ring.wakeFd, &one, sizeof(one));  // ends the drain thread's wait
    (void)w;
  }
}

void StopRing(RingState& ring, bool join) {
  ring.stop.store(true, std::memory_order_release);
  WakeRing(ring);
  if (join && ring.thread.joinable()) ring.thread.join();
}

static RingOptions ParseOptions(Napi::Env env, Napi::Value v) {
  if (!v.IsObject()) ThrowBpfUsage(env, "openRingBuffer", "options must be an object");
  Napi::Object o = v.As<Napi::Object>();
  auto num = [&](const char* key, double lo, double hi) -> double {
    Napi::Value x = o.Get(key);
    if (!x.IsNumber()) ThrowBpfUsage(env, "openRingBuffer", std::string("options.") + key + " must be a number");
    double d = x.As<Napi::Number>().DoubleValue();
    if (!(d >= lo && d <= hi) || d != static_cast<double>(static_cast<int64_t>(d)))
      ThrowBpfUsage(env, "openRingBuffer",
                    std::string("options.") + key + " must be an integer in [" + std::to_string(static_cast<int64_t>(lo)) +
                        ", " + std::to_string(static_cast<int64_t>(hi)) + "]");
    return d;
  };
  RingOptions r;
  r.recordSize = static_cast<size_t>(num("recordSize", 1, 1 << 20));
  r.batchRecords = static_cast<size_t>(num("batchRecords", 1, 1 << 20));
  r.flushMs = static_cast<uint32_t>(num("flushMs", 0, 3600 * 1000));
  r.maxPendingBatches = static_cast<uint32_t>(num("maxPendingBatches", 1, 1 << 20));
  Napi::Value lend = o.Get("lend");
  if (!lend.IsUndefined()) {
    if (!lend.IsBoolean()) ThrowBpfUsage(env, "openRingBuffer", "options.lend must be a boolean");
    r.lend = lend.As<Napi::Boolean>().Value();
  }
  Napi::Value staging = o.Get("staging");
  if (!staging.IsUndefined()) {
    if (!staging.IsObject()) ThrowBpfUsage(env, "openRingBuffer", "options.staging must be an object { map, program }");
    Napi::Object so = staging.As<Napi::Object>();
    if (!so.Get("map").IsString() || !so.Get("program").IsString())
      ThrowBpfUsage(env, "openRingBuffer", "options.staging.map and options.staging.program must be strings");
    r.stagingMap = so.Get("map").As<Napi::String>().Utf8Value();
    r.stagingProgram = so.Get("program").As<Napi::String>().Utf8Value();
  }
  if (r.recordSize * r.batchRecords > (256u << 20))
    ThrowBpfUsage(env, "openRingBuffer", "recordSize * batchRecords must be at most 256 MiB");
  return r;
}

Napi::Value BpfObjectWrap::OpenRingBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = ArgString(info, 0, "openRingBuffer", "map");
  RingOptions opt = ParseOptions(env, info.Length() > 1 ? info[1] : env.Undefined());
  if (info.Length() < 3 || !info[2].IsFunction()) ThrowBpfUsage(env, "openRingBuffer", "onBatch must be a function");
  bpf_map* map = RequireMap(env, "openRingBuffer", name);
  RequireLoaded(env, "openRingBuffer");
  if (bpf_map__type(map) != BPF_MAP_TYPE_RINGBUF)
    ThrowBpfUsage(env, "openRingBuffer", "map '" + name + "' is not a BPF_MAP_TYPE_RINGBUF");

  auto state = std::make_shared<RingState>();
  state->map = name;
  state->opt = opt;
  state->ringBytes = bpf_map__max_entries(map);
  if (!opt.stagingMap.empty()) {
    bpf_map* sm = RequireMap(env, "openRingBuffer", opt.stagingMap);
    if (bpf_map__type(sm) != BPF_MAP_TYPE_PERCPU_ARRAY || bpf_map__value_size(sm) < kStagingHeaderBytes + sizeof(uint64_t))
      ThrowBpfUsage(env, "openRingBuffer", "staging map '" + opt.stagingMap + "' is not a BPF_MAP_TYPE_PERCPU_ARRAY of a counted batch");
    state->stagingProgFd = RequireProgramFd(env, "openRingBuffer", opt.stagingProgram);
    state->stagingMapFd = bpf_map__fd(sm);
    state->stagingStride = (bpf_map__value_size(sm) + 7) & ~size_t{7};
    int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) ThrowBpf(env, "openRingBuffer", "libbpf_num_possible_cpus", cpus);
    state->stagingValues.resize(state->stagingStride * static_cast<size_t>(cpus));
    // The flush must be able to run on a chosen CPU (raw_tp BPF_F_TEST_RUN_ON_CPU, Linux 5.10+):
    // tried once here, so a caller can fall back to unstaged records instead of losing them.
    LIBBPF_OPTS(bpf_test_run_opts, probe, .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = 0);
    int err = bpf_prog_test_run_opts(state->stagingProgFd, &probe);
    if (err != 0)
      ThrowBpf(env, "openRingBuffer", "staging program '" + opt.stagingProgram + "' on CPU 0 (BPF_F_TEST_RUN_ON_CPU)", err);
  }
  {
    const char* what = "";
    int err = state->reader.Open(bpf_map__fd(map), &what);
    if (err != 0) ThrowBpf(env, "openRingBuffer", "map '" + name + "': " + what, err);
  }
  state->wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  state->epollFd = epoll_create1(EPOLL_CLOEXEC);
  {
    epoll_event ringEv{};
    ringEv.events = EPOLLIN;
    ringEv.data.u32 = 0;
    epoll_event stopEv{};
    stopEv.events = EPOLLIN;
    stopEv.data.u32 = 1;
    if (state->wakeFd < 0 || state->epollFd < 0 ||
        epoll_ctl(state->epollFd, EPOLL_CTL_ADD, state->reader.Fd(), &ringEv) != 0 ||
        epoll_ctl(state->epollFd, EPOLL_CTL_ADD, state->wakeFd, &stopEv) != 0) {
      int e = errno;
      if (state->wakeFd >= 0) close(state->wakeFd);
      if (state->epollFd >= 0) close(state->epollFd);
      ThrowBpf(env, "openRingBuffer", "map '" + name + "': epoll set-up", e);
    }
  }
  auto* holder = new std::shared_ptr<RingState>(state);
  state->tsfn = Napi::ThreadSafeFunction::New(
      env, info[2].As<Napi::Function>(), "xtrace-ringbuf-" + name, 0, 1, state.get(),
      [](Napi::Env env, std::shared_ptr<RingState>* h, RingState*) {
        std::shared_ptr<RingState> s = *h;
        delete h;
        if (s->thread.joinable()) s->thread.join();
        s->done = true;
        for (auto& d : s->waiters) {
          try {
            d.Resolve(env.Undefined());
          } catch (...) {
            // environment shutting down
          }
        }
        s->waiters.clear();
        for (auto& d : s->drainWaiters) {
          try {
            d.second.Resolve(env.Undefined());
          } catch (...) {
            // environment shutting down
          }
        }
        s->drainWaiters.clear();
        s->owner.Reset();
      },
      holder);
  state->owner = Napi::Persistent(Value());
  state->thread = std::thread([state] { state->Run(); });
  rings_.push_back(state);

  auto ext = Napi::External<std::shared_ptr<RingState>>::New(env, &state);
  return GetAddonData(env).ringCtor.New({ext});
}

Napi::Function RingBufferWrap::Init(Napi::Env env) {
  return DefineClass(env, "RingBuffer",
                     {
                         InstanceMethod<&RingBufferWrap::Stats>("stats"),
                         InstanceMethod<&RingBufferWrap::Drain>("drain"),
                         InstanceMethod<&RingBufferWrap::Close>("close"),
                     });
}

RingBufferWrap::RingBufferWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RingBufferWrap>(info) {
  if (info.Length() < 1 || !info[0].IsExternal())
    throw Napi::TypeError::New(info.Env(), "RingBuffer is created by BpfObject.openRingBuffer()");
  state_ = *info[0].As<Napi::External<std::shared_ptr<RingState>>>().Data();
}

Napi::Value RingBufferWrap::Stats(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("records", static_cast<double>(state_->records.load()));
  o.Set("batches", static_cast<double>(state_->batches.load()));
  o.Set("backpressurePauses", static_cast<double>(state_->pauses.load()));
  o.Set("pendingBatches", static_cast<double>(state_->pending.load()));
  o.Set("sizeMismatches", static_cast<double>(state_->sizeMismatches.load()));
  o.Set("stagingFlushes", static_cast<double>(state_->stagingFlushes.load()));
  o.Set("stagingBusy", static_cast<double>(state_->stagingBusy.load()));
  o.Set("stagingErrors", static_cast<double>(state_->stagingErrors.load()));
  o.Set("lastError", static_cast<double>(state_->lastError.load()));
  return o;
}

Napi::Value RingBufferWrap::Drain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto deferred = Napi::Promise::Deferred::New(env);
  if (state_->done) {
    deferred.Resolve(env.Undefined());
  } else if (state_->stop.load(std::memory_order_acquire)) {
    state_->waiters.push_back(deferred);  // stopping: its final drain answers this too
  } else {
    uint64_t n = state_->drainsAsked.fetch_add(1, std::memory_order_acq_rel) + 1;
    state_->drainWaiters.emplace_back(n, deferred);
    WakeRing(*state_);
  }
  return deferred.Promise();
}

Napi::Value RingBufferWrap::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto deferred = Napi::Promise::Deferred::New(env);
  if (state_->done) {
    deferred.Resolve(env.Undefined());
  } else {
    state_->waiters.push_back(deferred);
    StopRing(*state_, /*join=*/false);
  }
  return deferred.Promise();
}
