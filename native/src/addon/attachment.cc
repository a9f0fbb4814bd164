#include "attachment.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addon.h"
#include "errors.h"
#include "libbpf-log.h"

const char* AttachKindName(AttachKind kind) {
  switch (kind) {
    case AttachKind::Tcx:
      return "tcx";
    case AttachKind::Clsact:
      return "clsact";
    case AttachKind::Tracepoint:
      return "tracepoint";
    case AttachKind::RawTracepoint:
      return "raw_tracepoint";
    case AttachKind::Program:
      return "program";
  }
  return "program";
}

AttachState::~AttachState() {
  Destroy();
  if (netnsFd >= 0) close(netnsFd);
}

// Runs fn with the calling thread in the filter's namespace (netlink talks to the calling
// thread's namespace) and back. Returns fn's result, or a negative errno if the switch failed.
template <typename Fn>
static int InFilterNetns(const AttachState& s, Fn fn) {
  int saved = -1;
  if (s.netnsFd >= 0) {
    struct stat want, cur;
    if (fstat(s.netnsFd, &want) == 0 && stat("/proc/thread-self/ns/net", &cur) == 0 &&
        (want.st_ino != cur.st_ino || want.st_dev != cur.st_dev)) {
      saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
      if (saved < 0 || setns(s.netnsFd, CLONE_NEWNET) != 0) {
        int e = errno;
        if (saved >= 0) close(saved);
        return -e;
      }
    }
  }
  int result = fn();
  if (saved >= 0) {
    setns(saved, CLONE_NEWNET);
    close(saved);
  }
  return result;
}

static int DetachClsact(AttachState& s) {
  DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = s.ifindex, .attach_point = s.point);
  DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 0x7874, .priority = 0x7874);
  int err = InFilterNetns(s, [&] { return bpf_tc_detach(&hook, &opts); });
  // The device (and its filters) may be gone already.
  if (err == -ENOENT || err == -ENODEV) err = 0;
  return err;
}

// The head of struct bpf_link_info and its tcx member (Linux 6.6), which the uapi header libbpf
// 1.1 builds against predates; the kernel fills what fits (info_len) and zeroes nothing else.
struct alignas(8) TcxLinkInfo {
  __u32 type;
  __u32 id;
  __u32 prog_id;
  __u32 pad;
  __u32 ifindex;  // 0 once the link is detached (BPF_LINK_DETACH by anyone) or its device is gone
  __u32 attach_type;
};

static AttachCheck CheckTcx(const AttachState& s) {
  TcxLinkInfo info{};
  __u32 len = sizeof(info);
  if (bpf_obj_get_info_by_fd(s.linkFd, &info, &len) != 0) {
    return {false, "its tcx link cannot be read: " + std::string(strerror(errno))};
  }
  if (info.ifindex == 0) {
    return {false, "its tcx link (id " + std::to_string(info.id) + ", program id " + std::to_string(info.prog_id) +
                       ") is detached from the device: detached by someone else, or the device is gone"};
  }
  return {true, ""};
}

static AttachCheck CheckClsact(const AttachState& s) {
  DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = s.ifindex, .attach_point = s.point);
  DECLARE_LIBBPF_OPTS(bpf_tc_opts, q, .handle = 0x7874, .priority = 0x7874);
  LibbpfLogCapture quiet;
  int err = InFilterNetns(s, [&] { return bpf_tc_query(&hook, &q); });
  std::string where = std::string("the clsact ") + (s.point == BPF_TC_INGRESS ? "ingress" : "egress") + " hook";
  // no clsact qdisc (EINVAL), no such filter (ENOENT), no such device (ENODEV)
  if (err == -ENOENT || err == -EINVAL || err == -ENODEV) {
    return {false, "no xtrace filter (handle and priority 0x7874) on " + where + ": removed by someone else, or the device is gone"};
  }
  if (err < 0) return {false, "querying " + where + " failed: " + std::string(strerror(-err))};
  if (s.progId != 0 && q.prog_id != s.progId) {
    return {false, "the filter with xtrace's handle on " + where + " runs program id " + std::to_string(q.prog_id) +
                       ", not xtrace's " + std::to_string(s.progId)};
  }
  return {true, ""};
}

AttachCheck CheckAttachment(AttachState& s) {
  if (!s.active) return {false, "destroyed by xtrace"};
  if (s.kind == AttachKind::Tcx && s.linkFd >= 0) return CheckTcx(s);
  if (s.kind == AttachKind::Clsact && s.ifindex > 0) return CheckClsact(s);
  return {true, ""};
}

int AttachState::Destroy() {
  if (!active) return 0;
  active = false;
  LibbpfLogCapture quiet;
  int err = 0;
  if (link != nullptr) {
    err = bpf_link__destroy(link);
    link = nullptr;
  }
  if (linkFd >= 0) {
    close(linkFd);
    linkFd = -1;
  }
  if (kind == AttachKind::Clsact && ifindex > 0) err = DetachClsact(*this);
  return err;
}

Napi::Function AttachmentWrap::Init(Napi::Env env) {
  return DefineClass(env, "Attachment",
                     {
                         InstanceAccessor<&AttachmentWrap::Kind>("kind"),
                         InstanceAccessor<&AttachmentWrap::Program>("program"),
                         InstanceAccessor<&AttachmentWrap::Target>("target"),
                         InstanceAccessor<&AttachmentWrap::Active>("active"),
                         InstanceMethod<&AttachmentWrap::Destroy>("destroy"),
                         InstanceMethod<&AttachmentWrap::Check>("check"),
                     });
}

AttachmentWrap::AttachmentWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<AttachmentWrap>(info) {
  if (info.Length() < 2 || !info[0].IsExternal() || !info[1].IsObject()) {
    throw Napi::TypeError::New(info.Env(), "Attachment is created by a BpfObject attach method");
  }
  state_ = *info[0].As<Napi::External<std::shared_ptr<AttachState>>>().Data();
  owner_ = Napi::Persistent(info[1].As<Napi::Object>());
}

Napi::Object AttachmentWrap::New(Napi::Env env, const std::shared_ptr<AttachState>& state, Napi::Object owner) {
  std::shared_ptr<AttachState> copy = state;
  auto ext = Napi::External<std::shared_ptr<AttachState>>::New(env, &copy);
  return GetAddonData(env).attachmentCtor.New({ext, owner});
}

Napi::Value AttachmentWrap::Kind(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), AttachKindName(state_->kind));
}
Napi::Value AttachmentWrap::Program(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), state_->program);
}
Napi::Value AttachmentWrap::Target(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), state_->target);
}
Napi::Value AttachmentWrap::Active(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), state_->active);
}

Napi::Value AttachmentWrap::Destroy(const Napi::CallbackInfo& info) {
  int err = state_->Destroy();
  if (err < 0) {
    ThrowBpf(info.Env(), "destroy", std::string(AttachKindName(state_->kind)) + " " + state_->program + " on " +
                                        state_->target,
             err);
  }
  return info.Env().Undefined();
}

Napi::Value AttachmentWrap::Check(const Napi::CallbackInfo& info) {
  AttachCheck c = CheckAttachment(*state_);
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("attached", Napi::Boolean::New(info.Env(), c.attached));
  if (!c.attached) out.Set("found", Napi::String::New(info.Env(), c.found));
  return out;
}
