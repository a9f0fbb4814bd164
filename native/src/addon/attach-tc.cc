// tc attachments: tcx links (kernel >= 6.6) and the classic clsact + cls_bpf fallback.
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <unistd.h>

#include "attachment.h"
#include "bpf-object.h"
#include "errors.h"
#include "libbpf-log.h"

static constexpr int kTcxIngress = 46;  // BPF_TCX_INGRESS (newer than libbpf 1.1's header)
static constexpr int kTcxEgress = 47;   // BPF_TCX_EGRESS
static constexpr __u32 kTcHandle = 0x7874;
static constexpr __u32 kTcPriority = 0x7874;

static bool ParseDirection(const Napi::CallbackInfo& info, size_t i, const char* op) {
  std::string dir = ArgString(info, i, op, "direction");
  if (dir == "ingress") return true;
  if (dir == "egress") return false;
  ThrowBpfUsage(info.Env(), op, "direction must be 'ingress' or 'egress', got '" + dir + "'");
}

static int ArgIfindex(const Napi::CallbackInfo& info, size_t i, const char* op) {
  double v = ArgNumber(info, i, op, "ifindex");
  if (v < 1 || v > 0x7fffffff || v != static_cast<int>(v))
    ThrowBpfUsage(info.Env(), op, "ifindex must be a positive integer");
  return static_cast<int>(v);
}

// The kernel's id of a loaded program (0 if it cannot be read: Check() then skips the comparison).
static __u32 ProgramId(int progFd) {
  bpf_prog_info info{};
  __u32 len = sizeof(info);
  return bpf_obj_get_info_by_fd(progFd, &info, &len) == 0 ? info.id : 0;
}

static std::string TargetName(int ifindex, bool ingress) {
  char name[IF_NAMESIZE] = {0};
  std::string dev = if_indextoname(static_cast<unsigned>(ifindex), name) ? std::string(name)
                                                                          : "ifindex " + std::to_string(ifindex);
  return dev + (ingress ? " ingress" : " egress");
}

Napi::Value BpfObjectWrap::AttachTcx(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string prog = ArgString(info, 0, "attachTcx", "program");
  int ifindex = ArgIfindex(info, 1, "attachTcx");
  bool ingress = ParseDirection(info, 2, "attachTcx");
  int fd = RequireProgramFd(env, "attachTcx", prog);
  std::string target = TargetName(ifindex, ingress);
  LibbpfLogCapture cap;
  int linkFd = bpf_link_create(fd, ifindex, static_cast<bpf_attach_type>(ingress ? kTcxIngress : kTcxEgress), nullptr);
  if (linkFd < 0) {
    int e = -linkFd;
    std::string hint;
    if (e == EINVAL)
      hint = " (program needs setExpectedAttachType(" + std::to_string(ingress ? kTcxIngress : kTcxEgress) +
             ") before load, and a kernel >= 6.6)";
    ThrowBpf(env, "attachTcx", "program '" + prog + "' on " + target + hint, e, cap.Tail());
  }
  auto st = std::make_shared<AttachState>();
  st->kind = AttachKind::Tcx;
  st->program = prog;
  st->target = target;
  st->linkFd = linkFd;
  st->ifindex = ifindex;
  st->progId = ProgramId(fd);
  return Adopt(env, st);
}

Napi::Value BpfObjectWrap::AttachClsact(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string prog = ArgString(info, 0, "attachClsact", "program");
  int ifindex = ArgIfindex(info, 1, "attachClsact");
  bool ingress = ParseDirection(info, 2, "attachClsact");
  int fd = RequireProgramFd(env, "attachClsact", prog);
  std::string target = TargetName(ifindex, ingress);
  LibbpfLogCapture cap;
  DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
                      .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
  int err = bpf_tc_hook_create(&hook);
  if (err && err != -EEXIST) ThrowBpf(env, "attachClsact", "creating clsact qdisc on " + target, err, cap.Tail());
  DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = fd, .handle = kTcHandle, .priority = kTcPriority);
  err = bpf_tc_attach(&hook, &opts);
  if (err) {
    std::string hint = err == -EEXIST ? " (a filter with our handle/priority is there already: "
                                        "removeStaleClsactFilters() after a crash)"
                                      : "";
    ThrowBpf(env, "attachClsact", "program '" + prog + "' on " + target + hint, err, cap.Tail());
  }
  auto st = std::make_shared<AttachState>();
  st->kind = AttachKind::Clsact;
  st->program = prog;
  st->target = target;
  st->ifindex = ifindex;
  st->point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS;
  st->netnsFd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  st->progId = ProgramId(fd);
  return Adopt(env, st);
}

Napi::Value RemoveStaleClsactFilters(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int ifindex = ArgIfindex(info, 0, "removeStaleClsactFilters");
  int removed = 0;
  LibbpfLogCapture cap;
  for (bpf_tc_attach_point point : {BPF_TC_INGRESS, BPF_TC_EGRESS}) {
    DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
    DECLARE_LIBBPF_OPTS(bpf_tc_opts, q, .handle = kTcHandle, .priority = kTcPriority);
    int err = bpf_tc_query(&hook, &q);
    if (err == -ENOENT || err == -EINVAL) continue;  // no clsact qdisc or no such filter
    if (err) ThrowBpf(env, "removeStaleClsactFilters", "querying " + TargetName(ifindex, point == BPF_TC_INGRESS), err,
                      cap.Tail());
    DECLARE_LIBBPF_OPTS(bpf_tc_opts, d, .handle = kTcHandle, .priority = kTcPriority);
    err = bpf_tc_detach(&hook, &d);
    if (err == -ENOENT) continue;
    if (err) ThrowBpf(env, "removeStaleClsactFilters", "detaching from " + TargetName(ifindex, point == BPF_TC_INGRESS),
                      err, cap.Tail());
    removed++;
  }
  return Napi::Number::New(env, removed);
}

// Program ids attached by tcx on (ifindex, direction), in run order.
Napi::Value TcxQuery(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int ifindex = ArgIfindex(info, 0, "tcxQuery");
  bool ingress = ParseDirection(info, 1, "tcxQuery");
  __u32 ids[64];
  __u32 cnt = 64;
  __u32 flags = 0;
  int err = bpf_prog_query(ifindex, static_cast<bpf_attach_type>(ingress ? kTcxIngress : kTcxEgress), 0, &flags, ids,
                           &cnt);
  if (err) ThrowBpf(env, "tcxQuery", TargetName(ifindex, ingress), err);
  Napi::Array out = Napi::Array::New(env, cnt);
  for (__u32 i = 0; i < cnt; i++) out.Set(i, static_cast<double>(ids[i]));
  return out;
}
