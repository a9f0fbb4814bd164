#include "libbpf-log.h"

#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <mutex>

static thread_local LibbpfLogCapture* tCurrent = nullptr;
static bool gEcho = false;

// Keep at most this much of one call's output (verifier logs can be megabytes).
static constexpr size_t kMaxCapture = 256 * 1024;

static int PrintFn(enum libbpf_print_level level, const char* fmt, va_list args) {
  LibbpfLogCapture* cap = tCurrent;
  if (cap == nullptr && !gEcho) return 0;
  if (level == LIBBPF_DEBUG && !gEcho) return 0;
  char stackBuf[1024];
  va_list copy;
  va_copy(copy, args);
  int n = vsnprintf(stackBuf, sizeof(stackBuf), fmt, copy);
  va_end(copy);
  if (n < 0) return 0;
  std::string heap;
  const char* text = stackBuf;
  if (static_cast<size_t>(n) >= sizeof(stackBuf)) {
    heap.resize(static_cast<size_t>(n) + 1);
    vsnprintf(heap.data(), heap.size(), fmt, args);
    heap.resize(static_cast<size_t>(n));
    text = heap.data();
  }
  if (gEcho) fputs(text, stderr);
  if (cap != nullptr && level != LIBBPF_DEBUG) cap->Append(text, static_cast<size_t>(n));
  return n;
}

void InstallLibbpfPrint() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* dbg = getenv("XTRACE_LIBBPF_DEBUG");
    gEcho = dbg != nullptr && dbg[0] != '\0' && dbg[0] != '0';
    libbpf_set_print(PrintFn);
  });
}

LibbpfLogCapture::LibbpfLogCapture() : prev_(tCurrent) { tCurrent = this; }

LibbpfLogCapture::~LibbpfLogCapture() { tCurrent = prev_; }

void LibbpfLogCapture::Append(const char* text, size_t len) {
  buf_.append(text, len);
  if (buf_.size() > kMaxCapture) buf_.erase(0, buf_.size() - kMaxCapture / 2);
}

std::string LibbpfLogCapture::Tail(size_t maxLines, size_t maxBytes) const {
  size_t end = buf_.size();
  while (end > 0 && (buf_[end - 1] == '\n' || buf_[end - 1] == ' ')) end--;
  size_t pos = end;
  size_t lines = 0;
  while (pos > 0 && end - pos < maxBytes) {
    if (buf_[pos - 1] == '\n' && ++lines == maxLines) break;
    pos--;
  }
  return buf_.substr(pos, end - pos);
}
