// librandomx allocations that try large pages first: most machines have none reserved, so each falls back to
// ordinary pages and says which one it got.
#pragma once

#include <randomx.h>

namespace rxmesh {

/** Adds RANDOMX_FLAG_LARGE_PAGES to *flags when the cache got them. */
randomx_cache* AllocateCache(randomx_flags* flags);
/** The dataset's own large-page outcome, independent of the cache's. */
randomx_dataset* AllocateDataset(bool* large_pages);
/**
 * A VM with `flags`; where they ask for large pages and none are left for its scratchpad (the cache took the last
 * ones), a VM on ordinary pages.
 */
randomx_vm* CreateVm(randomx_flags flags, randomx_cache* cache, randomx_dataset* dataset);

}  // namespace rxmesh
