#include "errors.h"

#include <string.h>

#include "addon.h"

std::string ErrnoName(int err) {
  if (err < 0) err = -err;
  const char* name = strerrorname_np(err);
  if (name != nullptr) return name;
  return "E" + std::to_string(err);
}

static std::string LastLines(const std::string& text, size_t lines) {
  size_t pos = text.size();
  while (pos > 0 && (text[pos - 1] == '\n' || text[pos - 1] == ' ')) pos--;
  size_t end = pos;
  size_t found = 0;
  while (pos > 0) {
    if (text[pos - 1] == '\n' && ++found == lines) break;
    pos--;
  }
  return text.substr(pos, end - pos);
}

// The lines that say why: for a verifier rejection, the end of the program's load log.
static std::string Summary(const std::string& log) {
  static const std::string kEnd = "-- END PROG LOAD LOG --";
  size_t end = log.rfind(kEnd);
  if (end == std::string::npos) return LastLines(log, 3);
  std::string verifier = log.substr(0, end);
  // drop the statistics line ("processed N insns ...") that closes every verifier log
  size_t stats = verifier.rfind("processed ");
  if (stats != std::string::npos && (stats == 0 || verifier[stats - 1] == '\n')) verifier.resize(stats);
  return LastLines(verifier, 3);
}

Napi::Value MakeBpfError(Napi::Env env, const std::string& op, const std::string& what, int err,
                         const std::string& logTail) {
  if (err < 0) err = -err;
  if (err == 0) err = EINVAL;
  std::string message = op + ": " + what + ": " + strerror(err) + " (" + ErrnoName(err) + ")";
  if (!logTail.empty()) message += "\n" + Summary(logTail);
  AddonData& data = GetAddonData(env);
  if (!data.errorFactory.IsEmpty()) {
    return data.errorFactory.Call({Napi::String::New(env, op), Napi::String::New(env, message),
                                   Napi::Number::New(env, err), Napi::String::New(env, ErrnoName(err)),
                                   Napi::String::New(env, logTail)});
  }
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", "bpf");
  e.Set("op", op);
  e.Set("errno", static_cast<double>(err));
  e.Set("errnoName", ErrnoName(err));
  e.Set("logTail", logTail);
  return e.Value();
}

void ThrowBpf(Napi::Env env, const std::string& op, const std::string& what, int err,
              const std::string& logTail) {
  throw Napi::Error(env, MakeBpfError(env, op, what, err, logTail));
}

void ThrowBpfUsage(Napi::Env env, const std::string& op, const std::string& what) {
  ThrowBpf(env, op, what, EINVAL);
}

std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  if (info.Length() <= i || !info[i].IsString())
    ThrowBpfUsage(info.Env(), op, std::string(name) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

double ArgNumber(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  if (info.Length() <= i || !info[i].IsNumber())
    ThrowBpfUsage(info.Env(), op, std::string(name) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

Napi::Uint8Array ArgBytes(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  if (info.Length() <= i || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    ThrowBpfUsage(info.Env(), op, std::string(name) + " must be a Uint8Array/Buffer");
  return info[i].As<Napi::Uint8Array>();
}
