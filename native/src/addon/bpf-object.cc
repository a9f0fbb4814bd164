#include "bpf-object.h"

#include <errno.h>

#include "attachment.h"
#include "errors.h"
#include "libbpf-log.h"
#include "ring-buffer.h"

Napi::Function BpfObjectWrap::Init(Napi::Env env) {
  return DefineClass(
      env, "BpfObject",
      {
          InstanceMethod<&BpfObjectWrap::Programs>("programs"),
          InstanceMethod<&BpfObjectWrap::Maps>("maps"),
          InstanceMethod<&BpfObjectWrap::SetMaxEntries>("setMaxEntries"),
          InstanceMethod<&BpfObjectWrap::SetAutoload>("setAutoload"),
          InstanceMethod<&BpfObjectWrap::SetExpectedAttachType>("setExpectedAttachType"),
          InstanceMethod<&BpfObjectWrap::Load>("load"),
          InstanceMethod<&BpfObjectWrap::AttachTcx>("attachTcx"),
          InstanceMethod<&BpfObjectWrap::AttachClsact>("attachClsact"),
          InstanceMethod<&BpfObjectWrap::AttachTracepoint>("attachTracepoint"),
          InstanceMethod<&BpfObjectWrap::AttachAuto>("attachAuto"),
          InstanceMethod<&BpfObjectWrap::MapUpdate>("mapUpdate"),
          InstanceMethod<&BpfObjectWrap::MapLookup>("mapLookup"),
          InstanceMethod<&BpfObjectWrap::MapDelete>("mapDelete"),
          InstanceMethod<&BpfObjectWrap::MapKeys>("mapKeys"),
          InstanceMethod<&BpfObjectWrap::OpenRingBuffer>("openRingBuffer"),
          InstanceMethod<&BpfObjectWrap::ProgramStats>("programStats"),
          InstanceMethod<&BpfObjectWrap::ProgramInfo>("programInfo"),
          InstanceMethod<&BpfObjectWrap::MapInfo>("mapInfo"),
          InstanceMethod<&BpfObjectWrap::LinkInfo>("linkInfo"),
          InstanceMethod<&BpfObjectWrap::TestRun>("testRun"),
          InstanceMethod<&BpfObjectWrap::TestRunAsync>("testRunAsync"),
          InstanceMethod<&BpfObjectWrap::Close>("close"),
          InstanceAccessor<&BpfObjectWrap::Path>("path"),
          InstanceAccessor<&BpfObjectWrap::Loaded>("loaded"),
      });
}

BpfObjectWrap::BpfObjectWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<BpfObjectWrap>(info) {
  data_ = &GetAddonData(info.Env());
  if (info.Length() < 2 || !info[0].IsExternal() || !info[1].IsString()) {
    throw Napi::TypeError::New(info.Env(), "BpfObject is created by openObject(path)");
  }
  obj_ = info[0].As<Napi::External<bpf_object>>().Data();
  path_ = info[1].As<Napi::String>().Utf8Value();
  data_->live.insert(this);
}

BpfObjectWrap::~BpfObjectWrap() { CloseImpl(); }

void BpfObjectWrap::CloseImpl() {
  for (auto& ring : rings_) StopRing(*ring, /*join=*/true);
  rings_.clear();
  for (auto& att : attachments_) att->Destroy();
  attachments_.clear();
  if (obj_ != nullptr) {
    bpf_object__close(obj_);
    obj_ = nullptr;
  }
  if (data_ != nullptr) {
    data_->live.erase(this);
    data_ = nullptr;
  }
}

size_t CloseAllObjects(AddonData& data) {
  std::set<BpfObjectWrap*> copy = data.live;
  for (BpfObjectWrap* o : copy) o->CloseImpl();
  return copy.size();
}

void BpfObjectWrap::RequireOpen(Napi::Env env, const char* op) const {
  if (obj_ == nullptr) ThrowBpf(env, op, "object " + path_ + " is closed", EBADF);
}

void BpfObjectWrap::RequireLoaded(Napi::Env env, const char* op) const {
  RequireOpen(env, op);
  if (!loaded_) ThrowBpf(env, op, "object " + path_ + " is not loaded (call load() first)", EINVAL);
}

bpf_program* BpfObjectWrap::RequireProgram(Napi::Env env, const char* op, const std::string& name) const {
  RequireOpen(env, op);
  bpf_program* prog = bpf_object__find_program_by_name(obj_, name.c_str());
  if (prog == nullptr) {
    std::string names;
    bpf_program* p;
    bpf_object__for_each_program(p, obj_) {
      if (!names.empty()) names += ", ";
      names += bpf_program__name(p);
    }
    ThrowBpf(env, op, "no program '" + name + "' in " + path_ + " (has: " + names + ")", ENOENT);
  }
  return prog;
}

int BpfObjectWrap::RequireProgramFd(Napi::Env env, const char* op, const std::string& name) const {
  bpf_program* prog = RequireProgram(env, op, name);
  RequireLoaded(env, op);
  int fd = bpf_program__fd(prog);
  if (fd < 0) ThrowBpf(env, op, "program '" + name + "' was not loaded (autoload off?)", EBADF);
  return fd;
}

bpf_map* BpfObjectWrap::RequireMap(Napi::Env env, const char* op, const std::string& name) const {
  RequireOpen(env, op);
  bpf_map* map = bpf_object__find_map_by_name(obj_, name.c_str());
  if (map == nullptr) {
    std::string names;
    bpf_map* m;
    bpf_object__for_each_map(m, obj_) {
      if (!names.empty()) names += ", ";
      names += bpf_map__name(m);
    }
    ThrowBpf(env, op, "no map '" + name + "' in " + path_ + " (has: " + names + ")", ENOENT);
  }
  return map;
}

Napi::Object BpfObjectWrap::Adopt(Napi::Env env, std::shared_ptr<AttachState> state) {
  attachments_.push_back(state);
  return AttachmentWrap::New(env, state, Value());
}

Napi::Value BpfObjectWrap::Programs(const Napi::CallbackInfo& info) {
  RequireOpen(info.Env(), "programs");
  Napi::Array out = Napi::Array::New(info.Env());
  bpf_program* p;
  uint32_t i = 0;
  bpf_object__for_each_program(p, obj_) {
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("name", bpf_program__name(p));
    o.Set("section", bpf_program__section_name(p));
    out.Set(i++, o);
  }
  return out;
}

Napi::Value BpfObjectWrap::SetAutoload(const Napi::CallbackInfo& info) {
  std::string name = ArgString(info, 0, "setAutoload", "program");
  if (info.Length() < 2 || !info[1].IsBoolean()) ThrowBpfUsage(info.Env(), "setAutoload", "load must be a boolean");
  bpf_program* prog = RequireProgram(info.Env(), "setAutoload", name);
  int err = bpf_program__set_autoload(prog, info[1].As<Napi::Boolean>().Value());
  if (err) ThrowBpf(info.Env(), "setAutoload", "program '" + name + "'", err);
  return info.Env().Undefined();
}

Napi::Value BpfObjectWrap::SetExpectedAttachType(const Napi::CallbackInfo& info) {
  std::string name = ArgString(info, 0, "setExpectedAttachType", "program");
  double type = ArgNumber(info, 1, "setExpectedAttachType", "attachType");
  bpf_program* prog = RequireProgram(info.Env(), "setExpectedAttachType", name);
  // Kernel enum values beyond libbpf 1.1's header (BPF_TCX_INGRESS = 46, ...) pass through as numbers.
  int err = bpf_program__set_expected_attach_type(prog, static_cast<bpf_attach_type>(static_cast<int>(type)));
  if (err) ThrowBpf(info.Env(), "setExpectedAttachType", "program '" + name + "'", err);
  return info.Env().Undefined();
}

Napi::Value BpfObjectWrap::Load(const Napi::CallbackInfo& info) {
  RequireOpen(info.Env(), "load");
  if (loaded_) ThrowBpf(info.Env(), "load", "object " + path_ + " is already loaded", EALREADY);
  LibbpfLogCapture cap;
  int err = bpf_object__load(obj_);
  if (err) {
    int e = errno != 0 ? errno : -err;
    if (err < 0) e = -err;
    std::string tail = cap.Tail();
    // libbpf cannot load an object twice, even after a failure: free it now.
    bpf_object__close(obj_);
    obj_ = nullptr;
    ThrowBpf(info.Env(), "load", "loading " + path_ + " failed", e, tail);
  }
  loaded_ = true;
  return info.Env().Undefined();
}

Napi::Value BpfObjectWrap::Close(const Napi::CallbackInfo& info) {
  CloseImpl();
  return info.Env().Undefined();
}

Napi::Value BpfObjectWrap::Path(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), path_); }

Napi::Value BpfObjectWrap::Loaded(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), loaded_ && obj_ != nullptr);
}
