// Map listing and element access by map name, with size checks that name the map.
#include <bpf/bpf.h>
#include <errno.h>
#include <unistd.h>

#include <vector>

#include "bpf-object.h"
#include "errors.h"

static bool IsPerCpu(bpf_map_type t) {
  return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
         t == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

// Size of a whole value as user space sees it (per-CPU: one 8-byte-aligned slot per possible CPU).
static size_t UserValueSize(bpf_map* map) {
  size_t vs = bpf_map__value_size(map);
  if (!IsPerCpu(bpf_map__type(map))) return vs;
  int ncpu = libbpf_num_possible_cpus();
  return static_cast<size_t>(ncpu > 0 ? ncpu : 1) * ((vs + 7) & ~static_cast<size_t>(7));
}

static void CheckSize(Napi::Env env, const char* op, bpf_map* map, const char* what, size_t got, size_t want) {
  if (got == want) return;
  std::string extra;
  if (what[0] == 'v' && IsPerCpu(bpf_map__type(map)))
    extra = " (per-CPU: " + std::to_string(libbpf_num_possible_cpus()) + " CPUs x " +
            std::to_string((bpf_map__value_size(map) + 7) & ~7u) + ")";
  ThrowBpfUsage(env, op,
                std::string("map '") + bpf_map__name(map) + "': " + what + " must be " + std::to_string(want) +
                    " bytes" + extra + ", got " + std::to_string(got));
}

// Before load(): a map's size (entries; bytes for ring buffers, a power-of-two multiple of the page size).
Napi::Value BpfObjectWrap::SetMaxEntries(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = ArgString(info, 0, "setMaxEntries", "map");
  double n = ArgNumber(info, 1, "setMaxEntries", "maxEntries");
  bpf_map* map = RequireMap(env, "setMaxEntries", name);
  if (loaded_) ThrowBpf(env, "setMaxEntries", "map '" + name + "': the object is loaded, sizes are fixed", EALREADY);
  if (!(n >= 1 && n <= 4294967295.0) || n != static_cast<double>(static_cast<uint32_t>(n)))
    ThrowBpfUsage(env, "setMaxEntries", "maxEntries must be an integer in [1, 2^32-1]");
  uint32_t entries = static_cast<uint32_t>(n);
  if (bpf_map__type(map) == BPF_MAP_TYPE_RINGBUF) {
    long page = sysconf(_SC_PAGESIZE);
    if ((entries & (entries - 1)) != 0 || entries % static_cast<uint32_t>(page) != 0)
      ThrowBpfUsage(env, "setMaxEntries",
                    "ring buffer '" + name + "': size must be a power of two and a multiple of the page size (" +
                        std::to_string(page) + "), got " + std::to_string(entries));
  }
  int err = bpf_map__set_max_entries(map, entries);
  if (err) ThrowBpf(env, "setMaxEntries", "map '" + name + "'", err < 0 ? -err : err);
  return env.Undefined();
}

Napi::Value BpfObjectWrap::Maps(const Napi::CallbackInfo& info) {
  RequireOpen(info.Env(), "maps");
  Napi::Array out = Napi::Array::New(info.Env());
  bpf_map* m;
  uint32_t i = 0;
  bpf_object__for_each_map(m, obj_) {
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("name", bpf_map__name(m));
    o.Set("type", static_cast<double>(bpf_map__type(m)));
    o.Set("keySize", static_cast<double>(bpf_map__key_size(m)));
    o.Set("valueSize", static_cast<double>(bpf_map__value_size(m)));
    o.Set("maxEntries", static_cast<double>(bpf_map__max_entries(m)));
    out.Set(i++, o);
  }
  return out;
}

Napi::Value BpfObjectWrap::MapUpdate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = ArgString(info, 0, "mapUpdate", "map");
  Napi::Uint8Array key = ArgBytes(info, 1, "mapUpdate", "key");
  Napi::Uint8Array value = ArgBytes(info, 2, "mapUpdate", "value");
  bpf_map* map = RequireMap(env, "mapUpdate", name);
  RequireLoaded(env, "mapUpdate");
  CheckSize(env, "mapUpdate", map, "key", key.ByteLength(), bpf_map__key_size(map));
  CheckSize(env, "mapUpdate", map, "value", value.ByteLength(), UserValueSize(map));
  int err = bpf_map_update_elem(bpf_map__fd(map), key.Data(), value.Data(), BPF_ANY);
  if (err) ThrowBpf(env, "mapUpdate", "map '" + name + "'", err);
  return env.Undefined();
}

Napi::Value BpfObjectWrap::MapLookup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = ArgString(info, 0, "mapLookup", "map");
  Napi::Uint8Array key = ArgBytes(info, 1, "mapLookup", "key");
  bpf_map* map = RequireMap(env, "mapLookup", name);
  RequireLoaded(env, "mapLookup");
  CheckSize(env, "mapLookup", map, "key", key.ByteLength(), bpf_map__key_size(map));
  size_t vs = UserValueSize(map);
  Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(env, vs);
  int err = bpf_map_lookup_elem(bpf_map__fd(map), key.Data(), out.Data());
  if (err == -ENOENT) return env.Null();
  if (err) ThrowBpf(env, "mapLookup", "map '" + name + "'", err);
  return out;
}

Napi::Value BpfObjectWrap::MapDelete(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = ArgString(info, 0, "mapDelete", "map");
  Napi::Uint8Array key = ArgBytes(info, 1, "mapDelete", "key");
  bpf_map* map = RequireMap(env, "mapDelete", name);
  RequireLoaded(env, "mapDelete");
  CheckSize(env, "mapDelete", map, "key", key.ByteLength(), bpf_map__key_size(map));
  int err = bpf_map_delete_elem(bpf_map__fd(map), key.Data());
  if (err == -ENOENT) return Napi::Boolean::New(env, false);
  if (err) ThrowBpf(env, "mapDelete", "map '" + name + "'", err);
  return Napi::Boolean::New(env, true);
}

Napi::Value BpfObjectWrap::MapKeys(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = ArgString(info, 0, "mapKeys", "map");
  bpf_map* map = RequireMap(env, "mapKeys", name);
  RequireLoaded(env, "mapKeys");
  size_t ks = bpf_map__key_size(map);
  if (ks == 0) ThrowBpfUsage(env, "mapKeys", "map '" + name + "' has no keys (type " +
                                               std::to_string(static_cast<int>(bpf_map__type(map))) + ")");
  int fd = bpf_map__fd(map);
  std::vector<uint8_t> prev(ks), next(ks);
  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  // Entries deleted during the walk make the kernel restart from the first key: bound the walk.
  uint64_t limit = static_cast<uint64_t>(bpf_map__max_entries(map)) * 2 + 16;
  bool first = true;
  while (n < limit) {
    int err = bpf_map_get_next_key(fd, first ? nullptr : prev.data(), next.data());
    if (err == -ENOENT) break;
    if (err) ThrowBpf(env, "mapKeys", "map '" + name + "'", err);
    out.Set(n++, Napi::Buffer<uint8_t>::Copy(env, next.data(), ks));
    prev.swap(next);
    first = false;
  }
  return out;
}
