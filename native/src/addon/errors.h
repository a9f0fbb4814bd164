// Errors thrown to JS as BpfError (see native/src/index.ts): op, errno, errnoName, logTail.
#pragma once

#include <napi.h>

#include <string>

// Name of a positive errno value ("EPERM"), or "E<n>" when unknown.
std::string ErrnoName(int err);

// Builds the BpfError value (through the JS factory when registered).
Napi::Value MakeBpfError(Napi::Env env, const std::string& op, const std::string& what, int err,
                         const std::string& logTail = std::string());

// Throws a BpfError. `err` is a positive errno (negative values are negated).
[[noreturn]] void ThrowBpf(Napi::Env env, const std::string& op, const std::string& what, int err,
                           const std::string& logTail = std::string());

// Usage errors (bad name, wrong size): a BpfError with EINVAL.
[[noreturn]] void ThrowBpfUsage(Napi::Env env, const std::string& op, const std::string& what);

// Argument helpers: throw a usage BpfError naming the argument on a wrong type.
std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
double ArgNumber(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
Napi::Uint8Array ArgBytes(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
