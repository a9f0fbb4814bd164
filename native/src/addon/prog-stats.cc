// Per-program kernel run statistics (bpf_stats) and the handle that keeps them enabled.
#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "addon.h"
#include "bpf-object.h"
#include "errors.h"

Napi::Value BpfObjectWrap::ProgramStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = ArgString(info, 0, "programStats", "program");
  int fd = RequireProgramFd(env, "programStats", name);
  bpf_prog_info pi;
  memset(&pi, 0, sizeof(pi));
  __u32 len = sizeof(pi);
  int err = bpf_obj_get_info_by_fd(fd, &pi, &len);
  if (err) ThrowBpf(env, "programStats", "program '" + name + "'", err);
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", name);
  o.Set("id", static_cast<double>(pi.id));
  o.Set("runCount", static_cast<double>(pi.run_cnt));
  o.Set("runTimeNs", static_cast<double>(pi.run_time_ns));
  o.Set("recursionMisses", static_cast<double>(pi.recursion_misses));
  return o;
}

namespace {

class StatsHandle : public Napi::ObjectWrap<StatsHandle> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "BpfStatsHandle", {InstanceMethod<&StatsHandle::Close>("close")});
  }
  explicit StatsHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<StatsHandle>(info) {
    if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "created by enableStats()");
    fd_ = info[0].As<Napi::Number>().Int32Value();
  }
  ~StatsHandle() override {
    if (fd_ >= 0) close(fd_);
  }

 private:
  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (fd_ >= 0) {
      close(fd_);
      fd_ = -1;
    }
    return info.Env().Undefined();
  }
  int fd_ = -1;
};

}  // namespace

Napi::Function InitStatsHandle(Napi::Env env) { return StatsHandle::Init(env); }

Napi::Value EnableStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
  if (fd < 0) ThrowBpf(env, "enableStats", "BPF_ENABLE_STATS(BPF_STATS_RUN_TIME)", fd);
  return GetAddonData(env).statsHandleCtor.New({Napi::Number::New(env, fd)});
}
