/* BlakeGenerator, reciprocals, SuperscalarHash and dataset items, against published values and against Debian's
 * librandomx (the oracle; rx/0 only). Prints "ok - ..." / "not ok - ..." per check and "N passed, M failed". */
#include <randomx.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blake2b.h"
#include "dataset.h"

static int passed, failed;

static void report(int ok, const char *what) {
  printf("%s - %s\n", ok ? "ok" : "not ok", what);
  if (ok) passed++;
  else failed++;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* splitmix64: test inputs only. */
static uint64_t random_u64(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static double seconds_now(void) {
  struct timespec now;
  timespec_get(&now, TIME_UTC);
  return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

static uint32_t le32(const uint8_t *bytes) {
  return (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24;
}

static void check_blake_generator(void) {
  static const char key[] = "test key 000";
  uint8_t expected[64] = {0}, next[64];
  memcpy(expected, key, sizeof key - 1);
  rx_blake2b(expected, 64, expected, 64);
  rx_blake2b(next, 64, expected, 64);

  rx_blake_generator generator;
  rx_blake_generator_init(&generator, key, sizeof key - 1);
  int same = 1;
  for (int i = 0; i < 64; i++) same &= rx_blake_generator_byte(&generator) == expected[i];
  report(same, "BlakeGenerator bytes are Hash512 of the zero-padded seed");
  report(rx_blake_generator_u32(&generator) == le32(next), "BlakeGenerator rehashes its state when it runs out");

  rx_blake_generator_init(&generator, key, sizeof key - 1);
  for (int i = 0; i < 61; i++) rx_blake_generator_byte(&generator);
  report(rx_blake_generator_u32(&generator) == le32(next),
         "BlakeGenerator skips the last 3 bytes for a 4-byte draw and reads the next state");

  uint8_t long_seed[70];
  for (int i = 0; i < 70; i++) long_seed[i] = (uint8_t)(i * 37 + 1);
  rx_blake_generator truncated, prefix;
  rx_blake_generator_init(&truncated, long_seed, sizeof long_seed);
  rx_blake_generator_init(&prefix, long_seed, 60);
  report(memcmp(truncated.state, prefix.state, 64) == 0, "BlakeGenerator uses only the first 60 seed bytes");
}

/* The definition of specs.md 5.2.6 by search: floor(2^x / divisor) for the largest x that keeps it below 2^64. */
static uint64_t reciprocal_by_definition(uint32_t divisor) {
  uint64_t best = 0;
  for (unsigned x = 0; x < 128; x++) {
    const unsigned __int128 quotient = ((unsigned __int128)1 << x) / divisor;
    if (quotient >> 64 == 0) best = (uint64_t)quotient;
  }
  return best;
}

static int is_zero_or_power_of_two(uint32_t value) { return (value & (value - 1)) == 0; }

static void check_reciprocals(void) {
  /* fixtures/randomx-vectors.json, "rx/0 checkpoints" / "reciprocal". */
  static const struct {
    uint32_t divisor;
    uint64_t reciprocal;
  } published[] = {
      {3, 12297829382473034410ULL},          {13, 11351842506898185609ULL},
      {33, 17887751829051686415ULL},         {65537, 18446462603027742720ULL},
      {15000001, 10316166306300415204ULL},   {3845182035, 10302264209224146340ULL},
      {4294967295, 9223372039002259456ULL},
  };
  for (size_t i = 0; i < sizeof published / sizeof published[0]; i++) {
    char what[96];
    snprintf(what, sizeof what, "reciprocal of %u is the published value", published[i].divisor);
    report(rx_reciprocal(published[i].divisor) == published[i].reciprocal, what);
  }

  int mismatches = 0, tested = 0;
  while (tested < 20000) {
    /* Random bit lengths, so that small divisors are covered as well as large ones. */
    const uint64_t bits = random_u64();
    const uint32_t divisor = (uint32_t)(bits >> 32) >> (bits & 31);
    if (is_zero_or_power_of_two(divisor)) continue;
    tested++;
    if (rx_reciprocal(divisor) != reciprocal_by_definition(divisor)) {
      if (mismatches++ < 5) printf("# reciprocal(%u) = %llu\n", divisor, (unsigned long long)rx_reciprocal(divisor));
    }
  }
  report(mismatches == 0, "reciprocals of 20000 random divisors match the definition (largest x, 2^x/d < 2^64)");
}

/* The instruction rules of specs.md table 6.1.1, for every instruction of a cache's programs. */
static void check_program_rules(const rx_cache *cache, size_t key_bytes, uint64_t *instructions_seen) {
  int broken = 0;
  for (uint32_t p = 0; p < cache->params->cache_accesses; p++) {
    const rx_ss_program *program = &cache->programs[p];
    broken |= program->size == 0 || program->size > 3 * cache->params->superscalar_latency + 2;
    broken |= program->address_register > 7;
    *instructions_seen += program->size;
    for (uint32_t i = 0; i < program->size; i++) {
      const rx_ss_instruction *instruction = &program->code[i];
      broken |= instruction->dst > 7 || instruction->src > 7;
      switch (instruction->opcode) {
      case RX_SS_IADD_RS:
        broken |= instruction->dst == 5 || instruction->shift > 3;
        /* fall through */
      case RX_SS_ISUB_R:
      case RX_SS_IXOR_R:
      case RX_SS_IMUL_R:
        broken |= instruction->dst == instruction->src;
        break;
      case RX_SS_IROR_C:
        broken |= instruction->imm32 == 0 || instruction->imm32 > 63 || instruction->src != instruction->dst;
        break;
      case RX_SS_IADD_C:
      case RX_SS_IXOR_C:
        broken |= instruction->src != instruction->dst;
        break;
      case RX_SS_IMULH_R:
      case RX_SS_ISMULH_R:
        break;
      case RX_SS_IMUL_RCP:
        broken |= is_zero_or_power_of_two(instruction->imm32) || instruction->src != instruction->dst ||
                  instruction->reciprocal != rx_reciprocal(instruction->imm32);
        break;
      default:
        broken = 1;
      }
    }
  }
  char what[120];
  snprintf(what, sizeof what, "programs for a %zu-byte key follow the instruction rules of table 6.1.1", key_bytes);
  report(!broken, what);
}

/* librandomx has no accessor for a cache's memory. Test-only peek at the oracle's layout: in librandomx 1.1.x
 * struct randomx_cache begins with its uint8_t *memory. */
static uint8_t *oracle_cache_memory(randomx_cache *cache) { return *(uint8_t **)cache; }

#define ITEMS_PER_KEY 2000

static void check_items_against_oracle(rx_cache *cache, randomx_cache *oracle, randomx_dataset *oracle_dataset,
                                       size_t key_bytes) {
  const uint64_t item_count = randomx_dataset_item_count();
  const uint8_t *oracle_items = randomx_get_dataset_memory(oracle_dataset);
  int mismatches = 0;
  for (int i = 0; i < ITEMS_PER_KEY; i++) {
    const uint64_t item_number = i == 0 ? 0 : i == 1 ? item_count - 1 : random_u64() % item_count;
    uint64_t ours[8];
    randomx_init_dataset(oracle_dataset, oracle, item_number, 1);
    rx_dataset_item(cache, item_number, ours);
    if (memcmp(ours, oracle_items + item_number * 64, 64) != 0 && mismatches++ < 3) {
      printf("# item %llu differs\n", (unsigned long long)item_number);
    }
  }
  char what[120];
  snprintf(what, sizeof what, "%d dataset items (first, last, random) for a %zu-byte key equal librandomx's",
           ITEMS_PER_KEY, key_bytes);
  report(mismatches == 0, what);
}

static void check_published_items(const rx_cache *cache) {
  /* fixtures/randomx-vectors.json, "rx/0 checkpoints" / "dataset_item_first_u64", key "test key 000". */
  static const struct {
    uint64_t item_number;
    uint64_t first_word;
  } published[] = {
      {0, 0x680588a85ae222dbULL},
      {10000000, 0x7943a1f6186ffb72ULL},
      {20000000, 0x9035244d718095e1ULL},
      {30000000, 0x145a5091f7853099ULL},
  };
  for (size_t i = 0; i < sizeof published / sizeof published[0]; i++) {
    uint64_t item[8];
    char what[96];
    rx_dataset_item(cache, published[i].item_number, item);
    snprintf(what, sizeof what, "first word of dataset item %llu for \"test key 000\" is the published value",
             (unsigned long long)published[i].item_number);
    report(item[0] == published[i].first_word, what);
  }
}

/* Nanoseconds per item over `count` random item numbers: ours, and librandomx's with the given cache. */
static double our_item_ns(const rx_cache *cache, int count) {
  uint64_t checksum = 0, item[8];
  const double begin = seconds_now();
  for (int i = 0; i < count; i++) {
    rx_dataset_item(cache, random_u64() % randomx_dataset_item_count(), item);
    checksum ^= item[0];
  }
  const double elapsed = seconds_now() - begin;
  if (checksum == 42) printf("#\n"); /* keeps the work observable */
  return 1e9 * elapsed / count;
}

static double oracle_item_ns(randomx_cache *oracle, randomx_dataset *dataset, int count) {
  const unsigned long start = 1000000;
  const double begin = seconds_now();
  randomx_init_dataset(dataset, oracle, start, (unsigned long)count);
  return 1e9 * (seconds_now() - begin) / count;
}

int main(void) {
  check_blake_generator();
  check_reciprocals();

  randomx_cache *oracle = randomx_alloc_cache(RANDOMX_FLAG_DEFAULT);
  randomx_dataset *oracle_dataset = randomx_alloc_dataset(RANDOMX_FLAG_DEFAULT);
  rx_cache *cache = calloc(1, sizeof *cache);
  if (oracle == NULL || oracle_dataset == NULL || cache == NULL) {
    report(0, "allocate librandomx's cache and dataset");
    printf("%d passed, %d failed\n", passed, failed);
    return 1;
  }
  cache->params = &rx_params_rx0;

  uint8_t keys[7][64];
  size_t key_sizes[7] = {0, 12, 60, 1, 32, 12, 64};
  memcpy(keys[1], "test key 000", 12);
  memcpy(keys[5], "test key 001", 12);
  keys[3][0] = 0xff;
  for (int k = 2; k < 7; k += 2) {
    for (size_t i = 0; i < key_sizes[k]; i++) keys[k][i] = (uint8_t)random_u64();
  }

  uint64_t instructions_seen = 0;
  int programs_seen = 0;
  for (int k = 0; k < 7; k++) {
    randomx_init_cache(oracle, keys[k], key_sizes[k]);
    cache->memory = oracle_cache_memory(oracle);
    rx_cache_generate_programs(cache, keys[k], key_sizes[k]);
    check_program_rules(cache, key_sizes[k], &instructions_seen);
    programs_seen += (int)cache->params->cache_accesses;
    check_items_against_oracle(cache, oracle, oracle_dataset, key_sizes[k]);
    if (k == 1) {
      check_published_items(cache);
      printf("# dataset item, ours: %.0f ns; librandomx (interpreted SuperscalarHash): %.0f ns\n",
             our_item_ns(cache, 200000), oracle_item_ns(oracle, oracle_dataset, 20000));
    }
  }
  printf("# %.1f instructions per SuperscalarHash program on average (design.md: about 450)\n",
         (double)instructions_seen / programs_seen);

  randomx_release_dataset(oracle_dataset);
  randomx_release_cache(oracle);
  free(cache);
  printf("%d passed, %d failed\n", passed, failed);
  return failed != 0;
}
