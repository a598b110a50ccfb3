// The librandomx flags this machine supports, as librandomx itself recommends them.
#pragma once

#include <napi.h>
#include <randomx.h>

namespace rxmesh {

randomx_flags RecommendedFlags();
Napi::Object DescribeFlags(Napi::Env env, randomx_flags flags);

}  // namespace rxmesh
