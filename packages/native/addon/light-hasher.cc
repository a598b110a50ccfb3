#include "light-hasher.h"

#include "allocation.h"
#include "arguments.h"
#include "flags.h"

namespace rxmesh {

Napi::Function LightHasher::Define(Napi::Env env) {
  return DefineClass(env, "LightHasher",
                     {
                         InstanceMethod<&LightHasher::Hash>("hash"),
                         InstanceMethod<&LightHasher::Flags>("flags"),
                         InstanceMethod<&LightHasher::Release>("release"),
                     });
}

LightHasher::LightHasher(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LightHasher>(info) {
  Napi::Buffer<uint8_t> key = RequireBuffer(info, 0, "key");
  flags_ = RecommendedFlags();
  cache_ = AllocateCache(&flags_);
  if (cache_ == nullptr) throw Napi::Error::New(info.Env(), "librandomx could not allocate a 256 MiB cache.");
  randomx_init_cache(cache_, key.Data(), key.Length());
  // A VM's large-page flag only concerns its scratchpad; keep it as the cache got it.
  vm_ = CreateVm(flags_, cache_, nullptr);
  if (vm_ == nullptr) {
    ReleaseNative();
    throw Napi::Error::New(info.Env(), "librandomx could not create a light-mode VM.");
  }
}

LightHasher::~LightHasher() { ReleaseNative(); }

void LightHasher::ReleaseNative() {
  if (vm_ != nullptr) randomx_destroy_vm(vm_);
  if (cache_ != nullptr) randomx_release_cache(cache_);
  vm_ = nullptr;
  cache_ = nullptr;
}

Napi::Value LightHasher::Hash(const Napi::CallbackInfo& info) {
  if (vm_ == nullptr) throw Napi::Error::New(info.Env(), "This LightHasher was released; create a new one.");
  Napi::Buffer<uint8_t> input = RequireBuffer(info, 0, "input");
  Napi::Buffer<uint8_t> output = Napi::Buffer<uint8_t>::New(info.Env(), RANDOMX_HASH_SIZE);
  randomx_calculate_hash(vm_, input.Data(), input.Length(), output.Data());
  return output;
}

Napi::Value LightHasher::Flags(const Napi::CallbackInfo& info) { return DescribeFlags(info.Env(), flags_); }

void LightHasher::Release(const Napi::CallbackInfo&) { ReleaseNative(); }

}  // namespace rxmesh
