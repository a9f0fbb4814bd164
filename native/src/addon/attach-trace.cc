// Tracepoints and section-defined attachments (tp_btf, fentry, kprobe, ...).
#include <errno.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attachment.h"
#include "bpf-object.h"
#include "errors.h"
#include "libbpf-log.h"

// libbpf resolves tracepoint ids through tracefs; mount it when the host has not (agents run as root).
static void EnsureTracefs() {
  struct stat st;
  if (stat("/sys/kernel/tracing/events", &st) == 0 || stat("/sys/kernel/debug/tracing/events", &st) == 0) return;
  mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nullptr);
}

Napi::Value BpfObjectWrap::AttachTracepoint(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string prog = ArgString(info, 0, "attachTracepoint", "program");
  std::string category = ArgString(info, 1, "attachTracepoint", "category");
  std::string name = ArgString(info, 2, "attachTracepoint", "name");
  bpf_program* p = RequireProgram(env, "attachTracepoint", prog);
  RequireProgramFd(env, "attachTracepoint", prog);
  EnsureTracefs();
  LibbpfLogCapture cap;
  bpf_link* link = bpf_program__attach_tracepoint(p, category.c_str(), name.c_str());
  if (link == nullptr) {
    int e = errno;
    ThrowBpf(env, "attachTracepoint", "program '" + prog + "' on " + category + ":" + name, e, cap.Tail());
  }
  auto st = std::make_shared<AttachState>();
  st->kind = AttachKind::Tracepoint;
  st->program = prog;
  st->target = category + ":" + name;
  st->link = link;
  return Adopt(env, st);
}

Napi::Value BpfObjectWrap::AttachAuto(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string prog = ArgString(info, 0, "attachAuto", "program");
  bpf_program* p = RequireProgram(env, "attachAuto", prog);
  RequireProgramFd(env, "attachAuto", prog);
  std::string section = bpf_program__section_name(p);
  if (section.rfind("tracepoint/", 0) == 0 || section.rfind("tp/", 0) == 0) EnsureTracefs();
  LibbpfLogCapture cap;
  bpf_link* link = bpf_program__attach(p);
  if (link == nullptr) {
    int e = errno;
    ThrowBpf(env, "attachAuto", "program '" + prog + "' (section " + section + ")", e, cap.Tail());
  }
  auto st = std::make_shared<AttachState>();
  bpf_prog_type type = bpf_program__type(p);
  if (type == BPF_PROG_TYPE_RAW_TRACEPOINT ||
      (type == BPF_PROG_TYPE_TRACING && bpf_program__expected_attach_type(p) == BPF_TRACE_RAW_TP)) {
    st->kind = AttachKind::RawTracepoint;
  } else if (type == BPF_PROG_TYPE_TRACEPOINT) {
    st->kind = AttachKind::Tracepoint;
  } else {
    st->kind = AttachKind::Program;
  }
  st->program = prog;
  st->target = section;
  st->link = link;
  return Adopt(env, st);
}
