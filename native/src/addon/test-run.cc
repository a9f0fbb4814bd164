// BPF_PROG_TEST_RUN: run a program on a frame `repeat` times (sync, or on the libuv pool).
#include <bpf/bpf.h>
#include <errno.h>

#include <vector>

#include "bpf-object.h"
#include "errors.h"

namespace {

struct RunResult {
  int err = 0;
  __u32 retval = 0;
  __u32 duration = 0;
};

RunResult DoRun(int fd, const std::vector<uint8_t>& frame, __u32 repeat) {
  DECLARE_LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(),
                      .data_size_in = static_cast<__u32>(frame.size()), .repeat = static_cast<int>(repeat));
  RunResult r;
  r.err = bpf_prog_test_run_opts(fd, &opts);
  r.retval = opts.retval;
  r.duration = opts.duration;
  return r;
}

Napi::Object ResultObject(Napi::Env env, const RunResult& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("retval", static_cast<double>(r.retval));
  // The kernel reports the mean time of one run, in ns.
  o.Set("durationNs", static_cast<double>(r.duration));
  return o;
}

struct Args {
  std::string program;
  std::vector<uint8_t> frame;
  __u32 repeat;
};

Args ParseArgs(const Napi::CallbackInfo& info, const char* op) {
  Args a;
  a.program = ArgString(info, 0, op, "program");
  Napi::Uint8Array frame = ArgBytes(info, 1, op, "frame");
  a.frame.assign(frame.Data(), frame.Data() + frame.ByteLength());
  double repeat = ArgNumber(info, 2, op, "repeat");
  if (!(repeat >= 1 && repeat <= 2147483647.0) || repeat != static_cast<double>(static_cast<uint64_t>(repeat)))
    ThrowBpfUsage(info.Env(), op, "repeat must be an integer in [1, 2^31-1]");
  a.repeat = static_cast<__u32>(repeat);
  return a;
}

class TestRunWorker : public Napi::AsyncWorker {
 public:
  TestRunWorker(Napi::Env env, Napi::Object owner, int fd, Args args)
      : Napi::AsyncWorker(env, "xtrace-test-run"), deferred_(Napi::Promise::Deferred::New(env)), fd_(fd),
        args_(std::move(args)) {
    owner_ = Napi::Persistent(owner);
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override { result_ = DoRun(fd_, args_.frame, args_.repeat); }
  void OnOK() override {
    Napi::Env env = Env();
    if (result_.err) {
      deferred_.Reject(MakeBpfError(env, "testRun", "program '" + args_.program + "'", result_.err));
    } else {
      deferred_.Resolve(ResultObject(env, result_));
    }
    owner_.Reset();
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference owner_;
  int fd_;
  Args args_;
  RunResult result_;
};

}  // namespace

Napi::Value BpfObjectWrap::TestRun(const Napi::CallbackInfo& info) {
  Args a = ParseArgs(info, "testRun");
  int fd = RequireProgramFd(info.Env(), "testRun", a.program);
  RunResult r = DoRun(fd, a.frame, a.repeat);
  if (r.err) ThrowBpf(info.Env(), "testRun", "program '" + a.program + "'", r.err);
  return ResultObject(info.Env(), r);
}

Napi::Value BpfObjectWrap::TestRunAsync(const Napi::CallbackInfo& info) {
  Args a = ParseArgs(info, "testRunAsync");
  int fd = RequireProgramFd(info.Env(), "testRunAsync", a.program);
  auto* w = new TestRunWorker(info.Env(), Value(), fd, std::move(a));
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}
