// Captures libbpf's print output (verifier logs, attach failures) per call, per thread.
#pragma once

#include <string>

// Installs the libbpf print callback once. XTRACE_LIBBPF_DEBUG=1 also echoes to stderr.
void InstallLibbpfPrint();

// While alive, libbpf messages printed on this thread are collected into this capture.
class LibbpfLogCapture {
 public:
  LibbpfLogCapture();
  ~LibbpfLogCapture();
  LibbpfLogCapture(const LibbpfLogCapture&) = delete;
  LibbpfLogCapture& operator=(const LibbpfLogCapture&) = delete;

  void Append(const char* text, size_t len);
  // The last `maxLines` lines (at most `maxBytes` bytes) of what was captured.
  std::string Tail(size_t maxLines = 40, size_t maxBytes = 8192) const;

 private:
  std::string buf_;
  LibbpfLogCapture* prev_;
};
