/* The light-mode cache (Argon2d memory plus SuperscalarHash programs) and dataset items from it (specs.md 7). */
#ifndef RX_DATASET_H
#define RX_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "params.h"
#include "superscalar.h"

typedef struct {
  const rx_params *params;
  uint8_t *memory; /* params->argon_memory_blocks * 1024 bytes, owned by the caller */
  rx_ss_program programs[RX_MAX_CACHE_ACCESSES];
} rx_cache;

/* Builds the whole cache for `key`: Argon2d fill of cache->memory, then the SuperscalarHash programs. */
void rx_cache_init(rx_cache *cache, const rx_params *params, uint8_t *memory, const void *key, size_t key_bytes,
                   void (*progress)(uint32_t done, uint32_t total));
/* Generates only the SuperscalarHash programs for `key` (memory already filled). */
void rx_cache_generate_programs(rx_cache *cache, const void *key, size_t key_bytes);
/* Dataset item `item_number` (specs.md 7.3) as eight little-endian uint64 words. */
void rx_dataset_item(const rx_cache *cache, uint64_t item_number, uint64_t item[8]);

#endif
