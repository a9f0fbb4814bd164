// Module entry: wires the classes and module-level functions (contract: native/src/api.ts).
#include <bpf/libbpf.h>
#include <errno.h>
#include <malloc.h>

#include "addon.h"
#include "attachment.h"
#include "bpf-object.h"
#include "errors.h"
#include "libbpf-log.h"
#include "ring-buffer.h"

AddonData& GetAddonData(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

static Napi::Value OpenObject(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = ArgString(info, 0, "openObject", "path");
  // options.btfCustomPath: the kernel's BTF from a file (CO-RE relocations use it instead of
  // /sys/kernel/btf/vmlinux); libbpf reads it at load().
  std::string btfPath;
  if (info.Length() > 1 && !info[1].IsUndefined()) {
    if (!info[1].IsObject()) ThrowBpfUsage(env, "openObject", "options must be an object");
    Napi::Value v = info[1].As<Napi::Object>().Get("btfCustomPath");
    if (!v.IsUndefined()) {
      if (!v.IsString() || v.As<Napi::String>().Utf8Value().empty()) {
        ThrowBpfUsage(env, "openObject", "options.btfCustomPath must be a non-empty string");
      }
      btfPath = v.As<Napi::String>().Utf8Value();
    }
  }
  LIBBPF_OPTS(bpf_object_open_opts, opts);
  if (!btfPath.empty()) opts.btf_custom_path = btfPath.c_str();
  LibbpfLogCapture cap;
  bpf_object* obj = bpf_object__open_file(path.c_str(), &opts);
  if (obj == nullptr) {
    int e = errno;
    ThrowBpf(env, "openObject", "opening " + path + (btfPath.empty() ? "" : " with BTF " + btfPath), e, cap.Tail());
  }
  return GetAddonData(env).objectCtor.New({Napi::External<bpf_object>::New(env, obj), Napi::String::New(env, path)});
}

static Napi::Value NumPossibleCpus(const Napi::CallbackInfo& info) {
  int n = libbpf_num_possible_cpus();
  if (n < 0) ThrowBpf(info.Env(), "numPossibleCpus", "libbpf_num_possible_cpus", n);
  return Napi::Number::New(info.Env(), n);
}

static Napi::Value LibbpfVersion(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(),
                           std::to_string(libbpf_major_version()) + "." + std::to_string(libbpf_minor_version()));
}

// glibc: allocations of at least `bytes` get their own mapping, unmapped when freed (a fixed threshold
// also stops glibc from raising it after frees), so the memory of dead batch Buffers goes back to the
// system instead of staying in the heap. Process-wide. Returns false where mallopt refuses.
static Napi::Value SetMallocMmapThreshold(const Napi::CallbackInfo& info) {
  double bytes = ArgNumber(info, 0, "setMallocMmapThreshold", "bytes");
  if (!(bytes >= 4096 && bytes <= (32 << 20))) ThrowBpfUsage(info.Env(), "setMallocMmapThreshold", "bytes must be in [4096, 32 MiB]");
  return Napi::Boolean::New(info.Env(), mallopt(M_MMAP_THRESHOLD, static_cast<int>(bytes)) == 1);
}

static Napi::Value SetErrorFactory(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsFunction()) throw Napi::TypeError::New(info.Env(), "factory must be a function");
  GetAddonData(info.Env()).errorFactory = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

static Napi::Value CloseAll(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(CloseAllObjects(GetAddonData(info.Env()))));
}

static void Cleanup(void* arg) { CloseAllObjects(*static_cast<AddonData*>(arg)); }

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InstallLibbpfPrint();
  auto* data = new AddonData();
  env.SetInstanceData(data);
  data->objectCtor = Napi::Persistent(BpfObjectWrap::Init(env));
  data->attachmentCtor = Napi::Persistent(AttachmentWrap::Init(env));
  data->ringCtor = Napi::Persistent(RingBufferWrap::Init(env));
  data->statsHandleCtor = Napi::Persistent(InitStatsHandle(env));
  napi_add_env_cleanup_hook(env, Cleanup, data);

  exports.Set("openObject", Napi::Function::New<OpenObject>(env, "openObject"));
  exports.Set("enableStats", Napi::Function::New<EnableStats>(env, "enableStats"));
  exports.Set("removeStaleClsactFilters", Napi::Function::New<RemoveStaleClsactFilters>(env, "removeStaleClsactFilters"));
  exports.Set("numPossibleCpus", Napi::Function::New<NumPossibleCpus>(env, "numPossibleCpus"));
  exports.Set("libbpfVersion", Napi::Function::New<LibbpfVersion>(env, "libbpfVersion"));
  exports.Set("tcxQuery", Napi::Function::New<TcxQuery>(env, "tcxQuery"));
  exports.Set("runInNetns", Napi::Function::New<RunInNetns>(env, "runInNetns"));
  exports.Set("setMallocMmapThreshold", Napi::Function::New<SetMallocMmapThreshold>(env, "setMallocMmapThreshold"));
  exports.Set("setErrorFactory", Napi::Function::New<SetErrorFactory>(env, "setErrorFactory"));
  exports.Set("closeAll", Napi::Function::New<CloseAll>(env, "closeAll"));
  return exports;
}

NODE_API_MODULE(xtrace_native, Init)
