/* The native reference for the dataset-item benchmark: librandomx computing light-mode dataset items from its
 * cache with its JIT (randomx_init_dataset, one thread). Prints one JSON line.
 * Usage: bench/native-items ITEMS */
#include <randomx.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* BENCHMARK_KEY_TEXT of packages/core/src/benchmark.ts. */
static const char key[] = "rxmesh benchmark key";

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  const unsigned long items = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000;
  randomx_flags flags = randomx_get_flags() | RANDOMX_FLAG_JIT;
  randomx_cache *cache = randomx_alloc_cache(flags);
  randomx_dataset *dataset = randomx_alloc_dataset(RANDOMX_FLAG_DEFAULT);
  if (cache == NULL || dataset == NULL) {
    fprintf(stderr, "librandomx could not allocate its cache or dataset\n");
    return 1;
  }
  randomx_init_cache(cache, key, strlen(key));
  randomx_init_dataset(dataset, cache, 0, 10000); /* warm-up */
  const double begin = now_seconds();
  randomx_init_dataset(dataset, cache, 1000000, items);
  const double elapsed = now_seconds() - begin;
  printf("{\"impl\":\"librandomx\",\"items\":%lu,\"usPerItem\":%.3f}\n", items, elapsed * 1e6 / items);
  randomx_release_dataset(dataset);
  randomx_release_cache(cache);
  return 0;
}
