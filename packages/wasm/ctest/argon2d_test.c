/* The Argon2d fill with the portable compression: the checks of argon2d_checks.h, then whole rx/0 caches against
 * Debian's librandomx (the oracle; rx/0 only), and the fastest cache fill of ours and of librandomx. */
#include <randomx.h>
#include <stdlib.h>

#include "argon2d_checks.h"

/* librandomx has no accessor for a cache's memory. Test-only peek at the oracle's layout: in librandomx 1.1.x
 * struct randomx_cache begins with its uint8_t *memory. */
static const uint8_t *oracle_cache_memory(randomx_cache *cache) { return *(uint8_t **)cache; }

static const char *argon2_implementation_name(randomx_flags flags) {
  if (flags & RANDOMX_FLAG_ARGON2_AVX2) return "AVX2";
  if (flags & RANDOMX_FLAG_ARGON2_SSSE3) return "SSSE3";
  return "portable";
}

int main(void) {
  uint64_t *memory = aligned_alloc(64, RX0_CACHE_BYTES);
  randomx_cache *oracle = randomx_alloc_cache(RANDOMX_FLAG_DEFAULT);
  /* librandomx's fastest Argon2 on this machine, for timing. */
  randomx_flags fast_flags = randomx_get_flags() & RANDOMX_FLAG_ARGON2;
  randomx_cache *fast_oracle = randomx_alloc_cache(fast_flags);
  if (memory == NULL || oracle == NULL || fast_oracle == NULL) {
    report(0, "allocate our cache and librandomx's");
    printf("%d passed, %d failed\n", passed, failed);
    return 1;
  }

  check_rfc9106_argon2d();
  /* Fastest fills: the first fill into fresh memory also pays for page faults. */
  double our_fastest = check_rx0_checkpoints(memory), oracle_fastest = 0, fast_oracle_fastest = 0;
  for (int which = 0; which < ORACLE_KEYS; which++) {
    uint8_t key[200];
    size_t key_bytes = oracle_key(which, key);
    char what[96], hex[65];

    double begin = seconds_now();
    randomx_init_cache(oracle, key, key_bytes);
    keep_fastest(&oracle_fastest, seconds_now() - begin);
    cache_digest_hex(oracle_cache_memory(oracle), hex);
    snprintf(what, sizeof what, "argon2d_checks.h has librandomx's cache digest for the %zu-byte key", key_bytes);
    report(strcmp(hex, oracle_cache_digests[which]) == 0, what);
    if (strcmp(hex, oracle_cache_digests[which]) != 0) printf("# librandomx's digest: %s\n", hex);

    begin = seconds_now();
    rx_argon2d_fill(&rx_params_rx0, memory, key, key_bytes, NULL);
    keep_fastest(&our_fastest, seconds_now() - begin);
    snprintf(what, sizeof what, "whole rx/0 cache for a %zu-byte key equals librandomx's", key_bytes);
    report(memcmp(memory, oracle_cache_memory(oracle), RX0_CACHE_BYTES) == 0, what);

    begin = seconds_now();
    randomx_init_cache(fast_oracle, key, key_bytes);
    keep_fastest(&fast_oracle_fastest, seconds_now() - begin);
  }
  printf("# fastest rx/0 cache fill: ours (portable C) %.0f ms; librandomx randomx_init_cache %.0f ms with its %s "
         "Argon2, %.0f ms with its portable one\n",
         1000 * our_fastest, 1000 * fast_oracle_fastest, argon2_implementation_name(fast_flags), 1000 * oracle_fastest);

  randomx_release_cache(fast_oracle);
  randomx_release_cache(oracle);
  free(memory);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
