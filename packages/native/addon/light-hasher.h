// LightHasher: one light-mode cache and one VM for a key, hashing synchronously.
#pragma once

#include <napi.h>
#include <randomx.h>

namespace rxmesh {

class LightHasher : public Napi::ObjectWrap<LightHasher> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit LightHasher(const Napi::CallbackInfo& info);
  ~LightHasher() override;

 private:
  Napi::Value Hash(const Napi::CallbackInfo& info);
  Napi::Value Flags(const Napi::CallbackInfo& info);
  void Release(const Napi::CallbackInfo& info);
  void ReleaseNative();

  randomx_cache* cache_ = nullptr;
  randomx_vm* vm_ = nullptr;
  randomx_flags flags_ = RANDOMX_FLAG_DEFAULT;
};

}  // namespace rxmesh
