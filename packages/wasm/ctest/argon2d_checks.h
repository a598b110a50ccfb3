/* Checks of the Argon2d fill shared by the native test (scalar compression) and the WebAssembly test (SIMD128
 * compression): the RFC 9106 Argon2d vector, the published rx/0 cache checkpoints with the progress reports,
 * and whole caches against digests of librandomx's caches. Each check prints "ok - ..." or "not ok - ...". */
#ifndef ARGON2D_CHECKS_H
#define ARGON2D_CHECKS_H

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "argon2d.h"
#include "argon2d_fill.h"
#include "blake2b.h"

#define BLOCK_WORDS (ARGON2D_BLOCK_BYTES / 8)
#define RX0_CACHE_BLOCKS 262144
#define RX0_CACHE_BYTES ((size_t)RX0_CACHE_BLOCKS * ARGON2D_BLOCK_BYTES)

static int passed, failed;

static void report(int ok, const char *what) {
  printf("%s - %s\n", ok ? "ok" : "not ok", what);
  if (ok) passed++;
  else failed++;
}

static double seconds_now(void) {
  struct timespec now;
  timespec_get(&now, TIME_UTC);
  return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
}

static void keep_fastest(double *fastest, double seconds) {
  if (*fastest == 0 || seconds < *fastest) *fastest = seconds;
}

static void hash_le32(rx_blake2b_state *state, uint32_t value) {
  uint8_t bytes[4] = {(uint8_t)value, (uint8_t)(value >> 8), (uint8_t)(value >> 16), (uint8_t)(value >> 24)};
  rx_blake2b_update(state, bytes, sizeof bytes);
}

/* RFC 9106 5.1: Argon2d with 4 lanes, 32 KiB, 3 passes, a 32-byte tag, secret and associated data. The test
 * builds H0 and the tag; the fill between them is ours. */
static void check_rfc9106_argon2d(void) {
  static const uint8_t expected_tag[32] = {
      0x51, 0x2b, 0x39, 0x1b, 0x6f, 0x11, 0x62, 0x97, 0x53, 0x71, 0xd3, 0x09, 0x19, 0x73, 0x42, 0x94,
      0xf8, 0x68, 0xe3, 0xbe, 0x39, 0x84, 0xf3, 0xc1, 0xa1, 0x3a, 0x4d, 0xb9, 0xfa, 0xbe, 0x4a, 0xcb,
  };
  enum { lanes = 4, memory_blocks = 32, passes = 3, tag_bytes = 32, lane_blocks = memory_blocks / lanes };
  uint8_t password[32], salt[16], secret[8], associated_data[12];
  memset(password, 0x01, sizeof password);
  memset(salt, 0x02, sizeof salt);
  memset(secret, 0x03, sizeof secret);
  memset(associated_data, 0x04, sizeof associated_data);

  rx_blake2b_state state;
  uint8_t h0[ARGON2D_H0_BYTES];
  rx_blake2b_init(&state, sizeof h0);
  hash_le32(&state, lanes);
  hash_le32(&state, tag_bytes);
  hash_le32(&state, memory_blocks);
  hash_le32(&state, passes);
  hash_le32(&state, 0x13); /* version */
  hash_le32(&state, 0);    /* Argon2d */
  hash_le32(&state, sizeof password);
  rx_blake2b_update(&state, password, sizeof password);
  hash_le32(&state, sizeof salt);
  rx_blake2b_update(&state, salt, sizeof salt);
  hash_le32(&state, sizeof secret);
  rx_blake2b_update(&state, secret, sizeof secret);
  hash_le32(&state, sizeof associated_data);
  rx_blake2b_update(&state, associated_data, sizeof associated_data);
  rx_blake2b_final(&state, h0);

  static uint64_t memory[memory_blocks * BLOCK_WORDS];
  rx_argon2d_fill_from_h0(memory, h0, lanes, memory_blocks, passes, NULL);

  /* The finalizer: the XOR of the lanes' last blocks, hashed by H' (a single BLAKE2b for a 32-byte tag). */
  uint64_t final_block[BLOCK_WORDS] = {0};
  for (int lane = 0; lane < lanes; lane++) {
    const uint64_t *last = memory + ((size_t)lane * lane_blocks + lane_blocks - 1) * BLOCK_WORDS;
    for (int i = 0; i < BLOCK_WORDS; i++) final_block[i] ^= last[i];
  }
  uint8_t tag[tag_bytes];
  rx_blake2b_init(&state, sizeof tag);
  hash_le32(&state, tag_bytes);
  rx_blake2b_update(&state, final_block, sizeof final_block);
  rx_blake2b_final(&state, tag);
  report(memcmp(tag, expected_tag, sizeof tag) == 0, "RFC 9106 5.1 Argon2d tag (4 lanes, 32 KiB, 3 passes)");
}

static struct {
  uint32_t calls, last_done, last_total;
  int in_order; /* done grows and total stays the same */
} progress_log;

static void log_progress(uint32_t done, uint32_t total) {
  if (progress_log.calls > 0 && (done <= progress_log.last_done || total != progress_log.last_total)) {
    progress_log.in_order = 0;
  }
  progress_log.calls++;
  progress_log.last_done = done;
  progress_log.last_total = total;
}

/* Published rx/0 cache words for key "test key 000" (fixtures/randomx-vectors.json, "rx/0 checkpoints",
 * "cache_u64"), and the progress reports of that fill. Returns the fill's duration in seconds. */
static double check_rx0_checkpoints(uint64_t *memory) {
  static const struct {
    uint32_t index;
    uint64_t word;
  } checkpoints[] = {{0, 0x191e0e1d23c02186ULL}, {1568413, 0xf1b62fe6210bf8b1ULL}, {33554431, 0x1f47f056d05cd99bULL}};
  memset(&progress_log, 0, sizeof progress_log);
  progress_log.in_order = 1;
  double begin = seconds_now();
  rx_argon2d_fill(&rx_params_rx0, memory, "test key 000", 12, log_progress);
  double seconds = seconds_now() - begin;
  for (size_t i = 0; i < sizeof checkpoints / sizeof checkpoints[0]; i++) {
    char what[96];
    snprintf(what, sizeof what, "rx/0 cache word %u for \"test key 000\" is %016llx", (unsigned)checkpoints[i].index,
             (unsigned long long)checkpoints[i].word);
    report(memory[checkpoints[i].index] == checkpoints[i].word, what);
  }
  const uint32_t total = 3 * RX0_CACHE_BLOCKS;
  report(progress_log.calls >= total / 8192 && progress_log.in_order, "progress is reported often and in order");
  report(progress_log.last_done == total && progress_log.last_total == total,
         "progress ends at (3 passes x 262144 blocks, same)");
  return seconds;
}

/* Keys for the whole-cache comparisons: empty, 1 byte, 60 bytes (the longest the spec defines) and 200 bytes,
 * of xorshift bytes. */
#define ORACLE_KEYS 4
static const size_t oracle_key_bytes[ORACLE_KEYS] = {0, 1, 60, 200};

static size_t oracle_key(int which, uint8_t key[200]) {
  uint64_t state = 0x243f6a8885a308d3ULL + (uint64_t)which;
  for (size_t i = 0; i < oracle_key_bytes[which]; i++) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    key[i] = (uint8_t)(state >> 24);
  }
  return oracle_key_bytes[which];
}

/* BLAKE2b-256 of librandomx 1.1.10's rx/0 cache for each oracle key; argon2d_test.c confirms them against the
 * live library. */
static const char *const oracle_cache_digests[ORACLE_KEYS] = {
    "faf16925e389d546a2ebf79d1329ed4f8f217902ba00a5641447773725306d15",
    "87922ff26886cdcac1a1f8584ffc3015bcc3aeb5e46a7d4c871267ffafedecdd",
    "4cefd889edbb0247d14a56a4e542ce52a8f983edaf421f1979e11b6481ff795a",
    "fe32f586c78d89e15a626ffe6d545e663f2f9c2f12968358b1da1ee75f74ba85",
};

static void cache_digest_hex(const void *cache, char hex[65]) {
  uint8_t digest[32];
  rx_blake2b(digest, sizeof digest, cache, RX0_CACHE_BYTES);
  for (size_t i = 0; i < sizeof digest; i++) snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

#endif
