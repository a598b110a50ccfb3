// Checks on arguments from JavaScript that throw a TypeError naming the argument.
#pragma once

#include <napi.h>

#include <string>

namespace rxmesh {

inline Napi::Buffer<uint8_t> RequireBuffer(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (info.Length() <= index || !info[index].IsBuffer()) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Buffer or Uint8Array.");
  }
  return info[index].As<Napi::Buffer<uint8_t>>();
}

inline uint32_t RequireUint32(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (info.Length() <= index || !info[index].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number.");
  }
  const double value = info[index].As<Napi::Number>().DoubleValue();
  if (!(value >= 0 && value <= 4294967295.0) || value != static_cast<double>(static_cast<uint32_t>(value))) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must be an integer from 0 to 2^32 - 1.");
  }
  return static_cast<uint32_t>(value);
}

}  // namespace rxmesh
