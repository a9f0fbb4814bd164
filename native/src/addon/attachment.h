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
  // the attached program's kernel id (tc kinds: what Check() expects to find on the hook)
  __u32 progId = 0;

  ~AttachState();
  // Detaches; idempotent. Returns 0 or a negative errno (the attachment is gone either way).
  int Destroy();
};

// What Check() found: whether the attachment still runs its program, and if not, what is there.
struct AttachCheck {
  bool attached;
  std::string found;
};

// Whether an attachment is still in place though xtrace did not destroy it (someone else may have
// detached it). tcx: one bpf_obj_get_info_by_fd on the link (a detached tcx link reports ifindex 0);
// clsact: one netlink filter query for our handle/priority in the filter's namespace, compared with
// the program id. Links of the other kinds (tracepoint, raw_tp/tp_btf, fentry, kprobe) have no
// detach from outside the process (BPF_LINK_DETACH is refused for them), so they stay attached
// while xtrace holds their fd.
AttachCheck CheckAttachment(AttachState& s);

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
  Napi::Value Check(const Napi::CallbackInfo& info);

  std::shared_ptr<AttachState> state_;
  Napi::ObjectReference owner_;  // keeps the object (and so the link) alive while JS holds this
};
