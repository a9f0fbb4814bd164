#include "attachment.h"

#include <errno.h>
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

static int DetachClsact(AttachState& s) {
  DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = s.ifindex, .attach_point = s.point);
  DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 0x7874, .priority = 0x7874);
  // Netlink talks to the calling thread's namespace: go back to the filter's namespace if needed.
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
  int err = bpf_tc_detach(&hook, &opts);
  if (saved >= 0) {
    setns(saved, CLONE_NEWNET);
    close(saved);
  }
  // The device (and its filters) may be gone already.
  if (err == -ENOENT || err == -ENODEV) err = 0;
  return err;
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
