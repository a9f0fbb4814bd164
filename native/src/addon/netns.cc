// runInNetns(path, fn): runs fn synchronously with the calling thread in another network
// namespace (netlink and ifindex lookups of tc/tcx attach are per namespace), then returns.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "addon.h"
#include "errors.h"

Napi::Value RunInNetns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = ArgString(info, 0, "runInNetns", "path");
  if (info.Length() < 2 || !info[1].IsFunction()) ThrowBpfUsage(env, "runInNetns", "fn must be a function");
  int target = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0) ThrowBpf(env, "runInNetns", "opening " + path, errno);
  int saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (saved < 0) {
    int e = errno;
    close(target);
    ThrowBpf(env, "runInNetns", "opening /proc/thread-self/ns/net", e);
  }
  if (setns(target, CLONE_NEWNET) != 0) {
    int e = errno;
    close(target);
    close(saved);
    ThrowBpf(env, "runInNetns", "setns " + path, e);
  }
  close(target);
  struct Restore {
    int fd;
    ~Restore() {
      if (setns(fd, CLONE_NEWNET) != 0) abort();  // never leave the main thread in a foreign namespace
      close(fd);
    }
  } restore{saved};
  return info[1].As<Napi::Function>().Call({});
}
