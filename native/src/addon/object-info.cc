// What the kernel says of an object's programs, maps and links (bpf_obj_get_info_by_fd): ids,
// types, sizes, run statistics. `xtrace inspect` shows them (contract: native/src/api.ts).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>

#include "attachment.h"
#include "bpf-object.h"
#include "errors.h"

namespace {

// Kernel enum values newer than the libbpf the addon was built with print as "type N".
std::string TypeName(const char* known, unsigned value) {
  return known != nullptr ? std::string(known) : "type " + std::to_string(value);
}

std::string LinkTypeName(unsigned type) {
  // libbpf 1.1 knows link types up to netfilter (10); tcx and later came with Linux 6.6+
  switch (type) {
    case 11:
      return "tcx";
    case 12:
      return "uprobe_multi";
    case 13:
      return "netkit";
    default:
      return TypeName(libbpf_bpf_link_type_str(static_cast<bpf_link_type>(type)), type);
  }
}

}  // namespace

Napi::Value BpfObjectWrap::ProgramInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireOpen(env, "programInfo");
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  bpf_program* p;
  bpf_object__for_each_program(p, obj_) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", bpf_program__name(p));
    o.Set("section", bpf_program__section_name(p));
    int fd = loaded_ ? bpf_program__fd(p) : -1;
    bpf_prog_info pi;
    memset(&pi, 0, sizeof(pi));
    __u32 len = sizeof(pi);
    bool known = fd >= 0 && bpf_obj_get_info_by_fd(fd, &pi, &len) == 0;
    o.Set("loaded", known);
    o.Set("id", static_cast<double>(known ? pi.id : 0));
    o.Set("type", known ? TypeName(libbpf_bpf_prog_type_str(static_cast<bpf_prog_type>(pi.type)), pi.type)
                        : TypeName(libbpf_bpf_prog_type_str(bpf_program__type(p)), bpf_program__type(p)));
    o.Set("runCount", static_cast<double>(known ? pi.run_cnt : 0));
    o.Set("runTimeNs", static_cast<double>(known ? pi.run_time_ns : 0));
    o.Set("recursionMisses", static_cast<double>(known ? pi.recursion_misses : 0));
    o.Set("xlatedBytes", static_cast<double>(known ? pi.xlated_prog_len : 0));
    o.Set("jitedBytes", static_cast<double>(known ? pi.jited_prog_len : 0));
    out.Set(i++, o);
  }
  return out;
}

Napi::Value BpfObjectWrap::MapInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLoaded(env, "mapInfo");
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  bpf_map* m;
  bpf_object__for_each_map(m, obj_) {
    int fd = bpf_map__fd(m);
    bpf_map_info mi;
    memset(&mi, 0, sizeof(mi));
    __u32 len = sizeof(mi);
    if (fd < 0 || bpf_obj_get_info_by_fd(fd, &mi, &len) != 0) continue;  // internal maps not created
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", bpf_map__name(m));
    o.Set("id", static_cast<double>(mi.id));
    o.Set("type", TypeName(libbpf_bpf_map_type_str(static_cast<bpf_map_type>(mi.type)), mi.type));
    o.Set("keySize", static_cast<double>(mi.key_size));
    o.Set("valueSize", static_cast<double>(mi.value_size));
    o.Set("maxEntries", static_cast<double>(mi.max_entries));
    out.Set(i++, o);
  }
  return out;
}

Napi::Value BpfObjectWrap::LinkInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireOpen(env, "linkInfo");
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  for (const auto& s : attachments_) {
    if (!s->active) continue;
    Napi::Object o = Napi::Object::New(env);
    o.Set("kind", AttachKindName(s->kind));
    o.Set("program", s->program);
    o.Set("target", s->target);
    int fd = s->link != nullptr ? bpf_link__fd(s->link) : s->linkFd;
    bpf_link_info li;
    memset(&li, 0, sizeof(li));
    __u32 len = sizeof(li);
    // a classic tc filter is no link; a kprobe or tracepoint on an old kernel is a perf event fd
    bool isLink = fd >= 0 && bpf_obj_get_info_by_fd(fd, &li, &len) == 0;
    o.Set("linkId", static_cast<double>(isLink ? li.id : 0));
    o.Set("linkType", isLink ? LinkTypeName(li.type) : std::string());
    int progId = 0;
    if (isLink) {
      progId = static_cast<int>(li.prog_id);
    } else if (loaded_) {
      bpf_program* prog = bpf_object__find_program_by_name(obj_, s->program.c_str());
      bpf_prog_info pi;
      memset(&pi, 0, sizeof(pi));
      __u32 plen = sizeof(pi);
      if (prog != nullptr && bpf_program__fd(prog) >= 0 && bpf_obj_get_info_by_fd(bpf_program__fd(prog), &pi, &plen) == 0) {
        progId = static_cast<int>(pi.id);
      }
    }
    o.Set("progId", static_cast<double>(progId));
    out.Set(i++, o);
  }
  return out;
}
