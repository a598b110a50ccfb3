// The rxmesh_native addon: librandomx for Node peers.
#include <napi.h>

#include "engine.h"
#include "flags.h"
#include "light-hasher.h"

namespace rxmesh {

randomx_flags RecommendedFlags() { return randomx_get_flags(); }

Napi::Object DescribeFlags(Napi::Env env, randomx_flags flags) {
  Napi::Object described = Napi::Object::New(env);
  described.Set("largePages", (flags & RANDOMX_FLAG_LARGE_PAGES) != 0);
  described.Set("hardAes", (flags & RANDOMX_FLAG_HARD_AES) != 0);
  described.Set("jit", (flags & RANDOMX_FLAG_JIT) != 0);
  described.Set("argon2Ssse3", (flags & RANDOMX_FLAG_ARGON2_SSSE3) != 0);
  described.Set("argon2Avx2", (flags & RANDOMX_FLAG_ARGON2_AVX2) != 0);
  return described;
}

namespace {

Napi::Value RecommendedFlagsValue(const Napi::CallbackInfo& info) {
  return DescribeFlags(info.Env(), RecommendedFlags());
}

}  // namespace
}  // namespace rxmesh

// NODE_API_MODULE pastes the name into an identifier, so the init function lives at file scope.
static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  exports.Set("recommendedFlags", Napi::Function::New(env, rxmesh::RecommendedFlagsValue));
  exports.Set("LightHasher", rxmesh::LightHasher::Define(env));
  exports.Set("Engine", rxmesh::Engine::Define(env));
  return exports;
}

NODE_API_MODULE(rxmesh_native, InitAddon)
