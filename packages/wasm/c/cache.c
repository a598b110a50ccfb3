/* Building the light-mode cache for a key (specs.md 7.1 and 7.2). */
#include "argon2d.h"
#include "dataset.h"

void rx_cache_init(rx_cache *cache, const rx_params *params, uint8_t *memory, const void *key, size_t key_bytes,
                   void (*progress)(uint32_t done, uint32_t total)) {
  cache->params = params;
  cache->memory = memory;
  rx_argon2d_fill(params, memory, key, key_bytes, progress);
  rx_cache_generate_programs(cache, key, key_bytes);
}
