// One attachment (link or classic tc filter) owned by a BpfObject.
#pragma once

#include <bpf/libbpf.h>
#include <napi.h>

#include <memory>
#include <string>

enum class AttachKind { Tcx, Clsact, Tracepoint, RawTracepoint, Program };

const char* AttachKindName(AttachKind kind);

struct AttachState {
  AttachKind kind;
  std::string program;
  std::string target;
  bool active = true;
  // libbpf-managed link (tracepoint, attachAuto)
  bpf_link* link = nullptr;
  // raw link fd (tcx via bpf_link_create)
  int linkFd = -1;
  // classic clsact filter
  int ifindex = 0;
  bpf_tc_attach_point point = BPF_TC_INGRESS;
  int netnsFd = -1;  // the namespace the filter lives in (netlink is per namespace)

  ~AttachState();
  // Detaches; idempotent. Returns 0 or a negative errno (the attachment is gone either way).
  int Destroy();
};

class AttachmentWrap : public Napi::ObjectWrap<AttachmentWrap> {
 public:
  static Napi::Function Init(Napi::Env env);
  // args: External<shared_ptr<AttachState>>, owner BpfObject
  explicit AttachmentWrap(const Napi::CallbackInfo& info);
  static Napi::Object New(Napi::Env env, const std::shared_ptr<AttachState>& state, Napi::Object owner);

 private:
  Napi::Value Kind(const Napi::CallbackInfo& info);
  Napi::Value Program(const Napi::CallbackInfo& info);
  Napi::Value Target(const Napi::CallbackInfo& info);
  Napi::Value Active(const Napi::CallbackInfo& info);
  Napi::Value Destroy(const Napi::CallbackInfo& info);

  std::shared_ptr<AttachState> state_;
  Napi::ObjectReference owner_;  // keeps the object (and so the link) alive while JS holds this
};
