/* The Argon2d fill with the WebAssembly SIMD128 compression, run in Node: the checks of argon2d_checks.h, whole
 * rx/0 caches against digests of librandomx's, the SIMD128 compression against the portable one on random blocks,
 * and the time of one cache fill. From packages/wasm:
 *   NODE_PATH=/usr/share/nodejs emcc -std=c11 -O3 -msimd128 -Wall -Wextra -Werror -sALLOW_MEMORY_GROWTH=1 \
 *     -sMAXIMUM_MEMORY=1GB -sEXIT_RUNTIME=1 -sSINGLE_FILE=1 -Ic c/argon2d.c c/blake2b.c c/params.c \
 *     ctest/argon2d_wasm_test.c -o /tmp/argon2d_wasm_test.js && node /tmp/argon2d_wasm_test.js
 * EXIT_RUNTIME passes main's status to Node; SINGLE_FILE embeds the module, since emscripten 3.1.6's loader would
 * fetch() a separate .wasm file by path, which Node 18+ rejects. */
#ifndef __wasm_simd128__
#error "argon2d_wasm_test.c tests the SIMD128 compression: build it with -msimd128"
#endif

#include <stdlib.h>

#include "argon2d_checks.h"
#include "argon2d_compress.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t next_random(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

static void check_simd128_matches_scalar(void) {
  enum { trials = 1000 };
  static uint64_t x[ARGON2D_BLOCK_WORDS], y[ARGON2D_BLOCK_WORDS], simd_out[ARGON2D_BLOCK_WORDS],
      scalar_out[ARGON2D_BLOCK_WORDS];
  int mismatches[2] = {0, 0};
  for (int xor_into_out = 0; xor_into_out < 2; xor_into_out++) {
    for (int trial = 0; trial < trials; trial++) {
      for (int i = 0; i < ARGON2D_BLOCK_WORDS; i++) {
        x[i] = next_random();
        y[i] = next_random();
        simd_out[i] = scalar_out[i] = next_random();
      }
      argon2d_compress_simd128(simd_out, x, y, xor_into_out);
      argon2d_compress_scalar(scalar_out, x, y, xor_into_out);
      if (memcmp(simd_out, scalar_out, sizeof simd_out) != 0) mismatches[xor_into_out]++;
    }
  }
  report(mismatches[0] == 0, "SIMD128 G(x, y) equals the portable one on 1000 random block pairs");
  report(mismatches[1] == 0, "SIMD128 out ^= G(x, y) equals the portable one on 1000 random block triples");
}

/* Returns the fastest fill's time in seconds. */
static double check_oracle_digests(uint64_t *memory) {
  double fastest = 0;
  for (int which = 0; which < ORACLE_KEYS; which++) {
    uint8_t key[200];
    size_t key_bytes = oracle_key(which, key);
    double begin = seconds_now();
    rx_argon2d_fill(&rx_params_rx0, memory, key, key_bytes, NULL);
    keep_fastest(&fastest, seconds_now() - begin);
    char hex[65], what[96];
    cache_digest_hex(memory, hex);
    snprintf(what, sizeof what, "whole rx/0 cache for a %zu-byte key has librandomx's digest", key_bytes);
    report(strcmp(hex, oracle_cache_digests[which]) == 0, what);
  }
  return fastest;
}

int main(void) {
  uint64_t *memory = aligned_alloc(16, RX0_CACHE_BYTES);
  if (memory == NULL) {
    report(0, "allocate the cache");
    printf("%d passed, %d failed\n", passed, failed);
    return 1;
  }
  check_simd128_matches_scalar();
  check_rfc9106_argon2d();
  double first_seconds = check_rx0_checkpoints(memory);
  double fastest_seconds = check_oracle_digests(memory);
  /* The first fill also pays for growing the memory, its page faults and V8's baseline code. */
  printf("# rx/0 cache fill (SIMD128): first %.0f ms, then fastest %.0f ms\n", 1000 * first_seconds,
         1000 * fastest_seconds);
  free(memory);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
