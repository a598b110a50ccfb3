{
  "targets": [
    {
      "target_name": "rxmesh_native",
      "sources": ["addon/addon.cc", "addon/allocation.cc", "addon/engine.cc", "addon/light-hasher.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O2", "-Wall", "-Wextra"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["-lrandomx"]
    }
  ]
}
