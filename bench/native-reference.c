/* The native reference for the benchmarks: a plain loop over Debian's librandomx with its JIT, one thread per
 * requested thread, one shared cache, and in full mode one dataset initialised on all the threads. Prints one
 * JSON line. Build: cc -O2 -o bench/build/native-reference bench/native-reference.c -lrandomx -lpthread
 * Usage: bench/build/native-reference light|full THREADS SECONDS
 *        bench/build/native-reference light|full THREADS serve
 * With `serve`, it prints a JSON line once the cache (and dataset) are ready, then runs one measurement per line
 * of standard input (a number of seconds) and prints its JSON line, until end of input. */
#include <pthread.h>
#include <randomx.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* BENCHMARK_KEY_TEXT and benchmarkBlob() of packages/core/src/benchmark.ts. */
static const char key[] = "rxmesh benchmark key";

typedef struct {
  randomx_cache *cache;
  randomx_dataset *dataset;
  randomx_flags flags;
  uint32_t first_nonce;
  double seconds;
  uint64_t hashes;
  double elapsed;
} thread_job;

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The same Monero-shaped 76-byte blob as the WebAssembly benchmark, the nonce at offset 39. */
static void fill_blob(uint8_t blob[76]) {
  for (int i = 0; i < 76; i++) blob[i] = (uint8_t)(i * 37 + 11);
}

static void *mine(void *argument) {
  thread_job *job = argument;
  randomx_vm *vm = randomx_create_vm(job->flags, job->cache, job->dataset);
  if (vm == NULL) {
    fprintf(stderr, "randomx_create_vm failed\n");
    exit(1);
  }
  uint8_t blob[76], hash[RANDOMX_HASH_SIZE];
  fill_blob(blob);
  const double begin = now_seconds();
  double now = begin;
  uint32_t nonce = job->first_nonce;
  while (now - begin < job->seconds) {
    memcpy(blob + 39, &nonce, 4);
    randomx_calculate_hash(vm, blob, sizeof blob, hash);
    nonce++;
    job->hashes++;
    now = now_seconds();
  }
  job->elapsed = now - begin;
  randomx_destroy_vm(vm);
  return NULL;
}

typedef struct {
  randomx_dataset *dataset;
  randomx_cache *cache;
  unsigned long start;
  unsigned long count;
} init_job;

static void *init_items(void *argument) {
  init_job *job = argument;
  randomx_init_dataset(job->dataset, job->cache, job->start, job->count);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s light|full THREADS SECONDS|serve\n", argv[0]);
    return 2;
  }
  const int full = strcmp(argv[1], "full") == 0;
  const int threads = atoi(argv[2]);
  const double seconds = strcmp(argv[3], "serve") == 0 ? 1 : atof(argv[3]);
  if ((!full && strcmp(argv[1], "light") != 0) || threads < 1 || threads > 256 || seconds <= 0) {
    fprintf(stderr, "MODE must be light or full, THREADS 1-256 and SECONDS positive\n");
    return 2;
  }
  randomx_flags flags = randomx_get_flags();
  const double cache_begin = now_seconds();
  randomx_cache *cache = randomx_alloc_cache(flags);
  if (cache == NULL) {
    fprintf(stderr, "randomx_alloc_cache failed\n");
    return 1;
  }
  randomx_init_cache(cache, key, strlen(key));
  const double cache_ms = (now_seconds() - cache_begin) * 1000;

  randomx_dataset *dataset = NULL;
  double dataset_ms = -1;
  pthread_t ids[256];
  if (full) {
    flags |= RANDOMX_FLAG_FULL_MEM;
    dataset = randomx_alloc_dataset(RANDOMX_FLAG_DEFAULT);
    if (dataset == NULL) {
      fprintf(stderr, "randomx_alloc_dataset failed\n");
      return 1;
    }
    const double dataset_begin = now_seconds();
    const unsigned long items = randomx_dataset_item_count();
    init_job init[256];
    for (int i = 0; i < threads; i++) {
      const unsigned long start = items * i / threads;
      init[i] = (init_job){dataset, cache, start, items * (i + 1) / threads - start};
      pthread_create(&ids[i], NULL, init_items, &init[i]);
    }
    for (int i = 0; i < threads; i++) pthread_join(ids[i], NULL);
    dataset_ms = (now_seconds() - dataset_begin) * 1000;
  }

  char dataset_json[32] = "null";
  if (full) snprintf(dataset_json, sizeof dataset_json, "%.0f", dataset_ms);
  const int serve = strcmp(argv[3], "serve") == 0;
  if (serve) {
    printf("{\"ready\":true,\"cacheInitMs\":%.0f,\"datasetInitMs\":%s}\n", cache_ms, dataset_json);
    fflush(stdout);
  }
  char line[64];
  for (double window = seconds; serve ? fgets(line, sizeof line, stdin) != NULL : window > 0;) {
    if (serve) window = atof(line);
    if (window <= 0) break;
    thread_job jobs[256];
    for (int i = 0; i < threads; i++) {
      jobs[i] = (thread_job){cache, dataset, flags, (uint32_t)(i * (UINT32_MAX / threads)), window, 0, 0};
      pthread_create(&ids[i], NULL, mine, &jobs[i]);
    }
    uint64_t hashes = 0;
    double hashrate = 0;
    for (int i = 0; i < threads; i++) {
      pthread_join(ids[i], NULL);
      hashes += jobs[i].hashes;
      hashrate += jobs[i].hashes / jobs[i].elapsed;
    }
    printf("{\"impl\":\"librandomx\",\"mode\":\"%s\",\"threads\":%d,\"seconds\":%g,\"hashes\":%llu,"
           "\"hashrate\":%.3f,\"cacheInitMs\":%.0f,\"datasetInitMs\":%s,\"flags\":%d}\n",
           argv[1], threads, window, (unsigned long long)hashes, hashrate, cache_ms, dataset_json, (int)flags);
    fflush(stdout);
    if (!serve) break;
  }
  if (dataset != NULL) randomx_release_dataset(dataset);
  randomx_release_cache(cache);
  return 0;
}
