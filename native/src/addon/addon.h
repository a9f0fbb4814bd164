// Per-environment state shared by every part of the addon.
#pragma once

#include <napi.h>

#include <set>

class BpfObjectWrap;

struct AddonData {
  // JS factory building a BpfError: (op, message, errno, errnoName, logTail) => Error
  Napi::FunctionReference errorFactory;
  Napi::FunctionReference objectCtor;
  Napi::FunctionReference attachmentCtor;
  Napi::FunctionReference ringCtor;
  Napi::FunctionReference statsHandleCtor;
  Napi::FunctionReference testRunWorkerCtor;
  // objects not yet closed: the process-exit safety net closes them
  std::set<BpfObjectWrap*> live;
};

AddonData& GetAddonData(Napi::Env env);

// Closes every live object of this environment (links, clsact filters, ring buffers).
// Returns how many were open.
size_t CloseAllObjects(AddonData& data);

// Module-level functions implemented in their concept's file.
Napi::Value RemoveStaleClsactFilters(const Napi::CallbackInfo& info);
Napi::Value TcxQuery(const Napi::CallbackInfo& info);
Napi::Value EnableStats(const Napi::CallbackInfo& info);
Napi::Function InitStatsHandle(Napi::Env env);
Napi::Value RunInNetns(const Napi::CallbackInfo& info);
