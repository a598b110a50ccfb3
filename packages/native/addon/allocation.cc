#include "allocation.h"

namespace rxmesh {

randomx_cache* AllocateCache(randomx_flags* flags) {
  randomx_cache* cache = randomx_alloc_cache(static_cast<randomx_flags>(*flags | RANDOMX_FLAG_LARGE_PAGES));
  if (cache != nullptr) {
    *flags = static_cast<randomx_flags>(*flags | RANDOMX_FLAG_LARGE_PAGES);
    return cache;
  }
  return randomx_alloc_cache(*flags);
}

randomx_dataset* AllocateDataset(bool* large_pages) {
  randomx_dataset* dataset = randomx_alloc_dataset(RANDOMX_FLAG_LARGE_PAGES);
  *large_pages = dataset != nullptr;
  return dataset != nullptr ? dataset : randomx_alloc_dataset(RANDOMX_FLAG_DEFAULT);
}

randomx_vm* CreateVm(randomx_flags flags, randomx_cache* cache, randomx_dataset* dataset) {
  randomx_vm* vm = randomx_create_vm(flags, cache, dataset);
  if (vm != nullptr || (flags & RANDOMX_FLAG_LARGE_PAGES) == 0) return vm;
  return randomx_create_vm(static_cast<randomx_flags>(flags & ~RANDOMX_FLAG_LARGE_PAGES), cache, dataset);
}

}  // namespace rxmesh
