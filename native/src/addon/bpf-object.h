// BpfObject: one opened .bpf.o, its attachments and ring buffers.
#pragma once

#include <bpf/libbpf.h>
#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "addon.h"

struct AttachState;
struct RingState;

class BpfObjectWrap : public Napi::ObjectWrap<BpfObjectWrap> {
 public:
  static Napi::Function Init(Napi::Env env);
  // args: External<bpf_object>, path
  explicit BpfObjectWrap(const Napi::CallbackInfo& info);
  ~BpfObjectWrap() override;

  // Detaches everything, stops ring buffers (joins their threads), frees the object. No JS calls.
  void CloseImpl();

  bpf_object* obj() const { return obj_; }

 private:
  // bpf-object.cc
  Napi::Value Programs(const Napi::CallbackInfo& info);
  Napi::Value SetAutoload(const Napi::CallbackInfo& info);
  Napi::Value SetExpectedAttachType(const Napi::CallbackInfo& info);
  Napi::Value Load(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Path(const Napi::CallbackInfo& info);
  Napi::Value Loaded(const Napi::CallbackInfo& info);
  // attach-tc.cc
  Napi::Value AttachTcx(const Napi::CallbackInfo& info);
  Napi::Value AttachClsact(const Napi::CallbackInfo& info);
  // attach-trace.cc
  Napi::Value AttachTracepoint(const Napi::CallbackInfo& info);
  Napi::Value AttachAuto(const Napi::CallbackInfo& info);
  // maps.cc
  Napi::Value Maps(const Napi::CallbackInfo& info);
  Napi::Value SetMaxEntries(const Napi::CallbackInfo& info);
  Napi::Value MapUpdate(const Napi::CallbackInfo& info);
  Napi::Value MapLookup(const Napi::CallbackInfo& info);
  Napi::Value MapDelete(const Napi::CallbackInfo& info);
  Napi::Value MapKeys(const Napi::CallbackInfo& info);
  // ring-buffer.cc
  Napi::Value OpenRingBuffer(const Napi::CallbackInfo& info);
  // prog-stats.cc
  Napi::Value ProgramStats(const Napi::CallbackInfo& info);
  // object-info.cc
  Napi::Value ProgramInfo(const Napi::CallbackInfo& info);
  Napi::Value MapInfo(const Napi::CallbackInfo& info);
  Napi::Value LinkInfo(const Napi::CallbackInfo& info);
  // test-run.cc
  Napi::Value TestRun(const Napi::CallbackInfo& info);
  Napi::Value TestRunAsync(const Napi::CallbackInfo& info);

 public:
  // helpers shared by the files above
  void RequireOpen(Napi::Env env, const char* op) const;
  void RequireLoaded(Napi::Env env, const char* op) const;
  bpf_program* RequireProgram(Napi::Env env, const char* op, const std::string& name) const;
  int RequireProgramFd(Napi::Env env, const char* op, const std::string& name) const;
  bpf_map* RequireMap(Napi::Env env, const char* op, const std::string& name) const;
  Napi::Object Adopt(Napi::Env env, std::shared_ptr<AttachState> state);

 private:
  AddonData* data_ = nullptr;
  bpf_object* obj_ = nullptr;
  std::string path_;
  bool loaded_ = false;
  std::vector<std::shared_ptr<AttachState>> attachments_;
  std::vector<std::shared_ptr<RingState>> rings_;
};
