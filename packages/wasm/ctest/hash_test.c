/* Whole RandomX hashes from our C core (interpreter, light mode) against published vectors and against Debian's
 * librandomx on random (key, input) pairs.
 * Vectors arrive on stdin as lines "<variant> <key hex> <input hex> <hash hex>" (see ctest/README.md). */
#include <randomx.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"

static int passed, failed;

static void report(int ok, const char *what) {
  printf("%s - %s\n", ok ? "ok" : "not ok", what);
  if (ok) passed++;
  else failed++;
}

static size_t hex_decode(const char *hex, uint8_t *out, size_t capacity) {
  size_t length = strlen(hex) / 2;
  if (length > capacity) return (size_t)-1;
  for (size_t i = 0; i < length; i++) {
    unsigned value;
    if (sscanf(hex + 2 * i, "%2x", &value) != 1) return (size_t)-1;
    out[i] = (uint8_t)value;
  }
  return length;
}

static void hex_encode(const uint8_t *bytes, size_t length, char *out) {
  for (size_t i = 0; i < length; i++) sprintf(out + 2 * i, "%02x", bytes[i]);
}

/* One of our light-mode contexts: cache memory, cache, scratchpad and VM. */
typedef struct {
  uint8_t *cache_memory;
  rx_cache cache;
  uint8_t *scratchpad;
  rx_vm vm;
} our_context;

static void our_init(our_context *context, const rx_params *params, const uint8_t *key, size_t key_bytes) {
  rx_cache_init(&context->cache, params, context->cache_memory, key, key_bytes, NULL);
  rx_vm_init(&context->vm, &context->cache, context->scratchpad);
}

static unsigned long long rng_state = 0x243f6a8885a308d3ULL;
static uint8_t random_byte(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint8_t)(rng_state >> 24);
}

int main(int argc, char **argv) {
  const int random_keys = argc > 1 ? atoi(argv[1]) : 4;
  const int inputs_per_key = argc > 2 ? atoi(argv[2]) : 5;
  our_context *context = calloc(1, sizeof *context);
  context->cache_memory = aligned_alloc(64, 262144 * 1024);
  context->scratchpad = aligned_alloc(64, 2097152);

  /* Published vectors from stdin. */
  char variant[16], key_hex[2200], input_hex[8200], hash_hex[70];
  while (scanf("%15s %2199s %8199s %69s", variant, key_hex, input_hex, hash_hex) == 4) {
    static uint8_t key[1100], input[4100];
    const rx_params *params = rx_params_by_name(variant);
    size_t key_bytes = hex_decode(strcmp(key_hex, "-") ? key_hex : "", key, sizeof key);
    size_t input_bytes = hex_decode(strcmp(input_hex, "-") ? input_hex : "", input, sizeof input);
    if (params == NULL || key_bytes == (size_t)-1 || input_bytes == (size_t)-1) {
      report(0, "a vector line is malformed");
      continue;
    }
    uint8_t hash[32];
    char got[65], description[200];
    our_init(context, params, key, key_bytes);
    rx_vm_hash(&context->vm, input, input_bytes, hash);
    hex_encode(hash, 32, got);
    snprintf(description, sizeof description, "%s vector %.16s... -> %.16s...", variant, input_hex, hash_hex);
    report(strcmp(got, hash_hex) == 0, description);
    if (strcmp(got, hash_hex) != 0) printf("# got %s\n", got);
  }

  /* Random pairs against librandomx (rx/0): keys of 0..256 bytes, inputs of 0..2000 bytes. */
  randomx_flags flags = randomx_get_flags();
  randomx_cache *oracle_cache = randomx_alloc_cache(flags);
  randomx_vm *oracle_vm = NULL;
  int mismatches = 0, pairs = 0;
  double our_seconds = 0;
  for (int k = 0; k < random_keys; k++) {
    static const size_t key_lengths[] = {0, 1, 32, 60, 61, 64, 200, 256};
    uint8_t key[256];
    size_t key_bytes = key_lengths[k % 8];
    for (size_t i = 0; i < key_bytes; i++) key[i] = random_byte();
    randomx_init_cache(oracle_cache, key, key_bytes);
    if (oracle_vm == NULL) oracle_vm = randomx_create_vm(flags, oracle_cache, NULL);
    else randomx_vm_set_cache(oracle_vm, oracle_cache);
    our_init(context, &rx_params_rx0, key, key_bytes);
    for (int n = 0; n < inputs_per_key; n++) {
      static uint8_t input[2000];
      size_t input_bytes = n == 0 ? 0 : n == 1 ? 76 : (size_t)(random_byte() * 7 + random_byte()) % 2001;
      for (size_t i = 0; i < input_bytes; i++) input[i] = random_byte();
      uint8_t ours[32], theirs[32];
      clock_t begin = clock();
      rx_vm_hash(&context->vm, input, input_bytes, ours);
      our_seconds += (double)(clock() - begin) / CLOCKS_PER_SEC;
      randomx_calculate_hash(oracle_vm, input, input_bytes, theirs);
      pairs++;
      if (memcmp(ours, theirs, 32) != 0) {
        if (mismatches++ < 3) printf("# mismatch: key %zu bytes, input %zu bytes\n", key_bytes, input_bytes);
      }
    }
  }
  char description[160];
  snprintf(description, sizeof description, "%d random rx/0 pairs over %d keys agree with librandomx", pairs,
           random_keys);
  report(mismatches == 0, description);
  if (pairs > 0) printf("# interpreter: %.1f ms per hash\n", 1000 * our_seconds / pairs);

  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
