/* Dataset item timing for SuperscalarHash in WebAssembly under Node (and natively, for comparison). The cache
 * holds xorshift bytes instead of an Argon2d fill: the values do not matter for timing, only the memory size and
 * access pattern. The printed checksum must be the same for both builds. From packages/wasm:
 *   NODE_PATH=/usr/share/nodejs emcc -std=c11 -O3 -msimd128 -Wall -Wextra -Werror -sINITIAL_MEMORY=320MB \
 *     -sSINGLE_FILE=1 -Ic c/blake_generator.c c/reciprocal.c c/superscalar_*.c c/dataset.c c/blake2b.c \
 *     c/params.c ctest/superscalar_wasm_bench.c -o /tmp/superscalar_wasm_bench.js && \
 *     node /tmp/superscalar_wasm_bench.js
 *   gcc -std=c11 -O2 -Wall -Wextra -Werror -Ic <the same C files> -o /tmp/superscalar_bench && /tmp/superscalar_bench
 * SINGLE_FILE embeds the module, since emscripten 3.1.6's loader would fetch() a separate .wasm file by path,
 * which Node 18+ rejects. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dataset.h"

static double seconds_now(void) {
  struct timespec now;
  timespec_get(&now, TIME_UTC);
  return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
}

/* Called through a volatile pointer so that the optimizer cannot inline it into main: V8 moves a function to
 * its optimizing tier only on a later call, so code inlined into main would stay in the baseline tier. */
static void (*volatile dataset_item)(const rx_cache *, uint64_t, uint64_t[8]) = rx_dataset_item;

int main(void) {
  const rx_params *params = &rx_params_rx0;
  const size_t cache_bytes = (size_t)params->argon_memory_blocks * 1024;
  rx_cache *cache = calloc(1, sizeof *cache);
  uint64_t *memory = malloc(cache_bytes);
  if (cache == NULL || memory == NULL) {
    printf("cannot allocate the cache\n");
    return 1;
  }
  uint64_t state = 0x243f6a8885a308d3ULL;
  for (size_t i = 0; i < cache_bytes / 8; i++) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    memory[i] = state;
  }
  cache->params = params;
  cache->memory = (uint8_t *)memory;

  double begin = seconds_now();
  rx_cache_generate_programs(cache, "test key 000", 12);
  const double generate_ms = 1e3 * (seconds_now() - begin);

  uint64_t item[8], checksum = 0;
  for (int i = 0; i < 1000; i++) dataset_item(cache, (uint64_t)i, item); /* warm-up and tier-up */
  const int items = 200000;
  begin = seconds_now();
  for (int i = 0; i < items; i++) {
    dataset_item(cache, (uint64_t)i * 170, item);
    checksum ^= item[0] + item[7];
  }
  const double item_ns = 1e9 * (seconds_now() - begin) / items;
  printf("generate %u programs: %.2f ms; dataset item: %.0f ns; checksum %016llx\n", params->cache_accesses,
         generate_ms, item_ns, (unsigned long long)checksum);
  return 0;
}
