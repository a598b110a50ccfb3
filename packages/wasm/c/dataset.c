/* SuperscalarHash programs of a cache (specs.md 7.2) and dataset items computed from the cache (7.3). */
#include "dataset.h"

#include <string.h>

#define CACHE_ITEM_BYTES 64

void rx_cache_generate_programs(rx_cache *cache, const void *key, size_t key_bytes) {
  rx_blake_generator generator;
  rx_blake_generator_init(&generator, key, key_bytes);
  for (uint32_t i = 0; i < cache->params->cache_accesses; i++) {
    rx_superscalar_generate(cache->params, &generator, &cache->programs[i]);
  }
}

/* Bytes 8-63 of Hash512("RandomX SuperScalarHash initialize") as seven words, r1 and r3 adjusted so that every
 * register starts distinct for every item number (specs.md 7.3). */
static const uint64_t register_xor_constants[8] = {
    0,
    9298411001130361340ULL,
    12065312585734608966ULL,
    9306329213124626780ULL,
    5281919268842080866ULL,
    10536153434571861004ULL,
    3398623926847679864ULL,
    9549104520008361294ULL,
};

/* The LCG multiplier of Knuth (MMIX). */
#define ITEM_MULTIPLIER 6364136223846793005ULL

void rx_dataset_item(const rx_cache *cache, uint64_t item_number, uint64_t item[8]) {
  const rx_params *params = cache->params;
  /* Argon2 memory sizes are powers of two, so "modulo the cache item count" is a mask. */
  const uint64_t cache_item_mask = (uint64_t)params->argon_memory_blocks * (1024 / CACHE_ITEM_BYTES) - 1;
  const uint64_t seed = (item_number + 1) * ITEM_MULTIPLIER;
  uint64_t registers[8];
  for (int r = 0; r < 8; r++) registers[r] = seed ^ register_xor_constants[r];

  uint64_t cache_index = item_number;
  for (uint32_t i = 0; i < params->cache_accesses; i++) {
    const rx_ss_program *program = &cache->programs[i];
    uint64_t cache_item[8];
    /* Little-endian words on every target we build for (x86-64, wasm32). */
    memcpy(cache_item, cache->memory + (cache_index & cache_item_mask) * CACHE_ITEM_BYTES, sizeof cache_item);
    rx_superscalar_execute(program, registers);
    for (int r = 0; r < 8; r++) registers[r] ^= cache_item[r];
    cache_index = registers[program->address_register];
  }
  memcpy(item, registers, sizeof registers);
}
