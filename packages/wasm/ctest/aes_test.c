/* c/aes.c against AES-NI: the single rounds against AESENC/AESDEC, the constants against the BLAKE2b derivations
 * of specs.md chapter 3, and the generators and hash against straightforward versions of the spec's diagrams
 * written here with intrinsics. The reference side takes its constants only from those derivations. From
 * packages/wasm:
 *   gcc -std=c11 -O2 -Wall -Wextra -Werror -ffp-contract=off -maes -msse4.1 -Ic c/aes.c c/blake2b.c c/params.c \
 *     ctest/aes_test.c -o /tmp/aes_test && /tmp/aes_test */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aes.h"
#include "blake2b.h"
#include "params.h"

#define MAX_BYTES (2u * 1024 * 1024)
#define GUARD_BYTES 64
#define GUARD_VALUE 0xa5

static int passed, failed;

static void report(int ok, const char *what) {
  printf("%s - %s\n", ok ? "ok" : "not ok", what);
  if (ok) passed++;
  else failed++;
}

static unsigned long long rng_state = 0x2545f4914f6cdd1dULL;
static unsigned long long next_random(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

static void fill_random(void *buffer, size_t bytes) {
  unsigned char *out = buffer;
  for (size_t i = 0; i < bytes; i++) out[i] = (unsigned char)(next_random() >> 32);
}

static void hash_string(void *digest, size_t digest_bytes, const char *text) {
  rx_blake2b(digest, digest_bytes, text, strlen(text));
}

static __m128i load(const void *bytes) { return _mm_loadu_si128((const __m128i *)bytes); }
static void store(void *bytes, __m128i value) { _mm_storeu_si128((__m128i *)bytes, value); }

/* Constants as specs.md 3.2-3.4 derives them. */
static uint8_t generator_1r_keys[64], hash_1r_state[64], hash_1r_extra_keys[32];

static void derive_constants(void) {
  hash_string(generator_1r_keys, 64, "RandomX AesGenerator1R keys");
  hash_string(hash_1r_state, 64, "RandomX AesHash1R state");
  hash_string(hash_1r_extra_keys, 32, "RandomX AesHash1R xkeys");
}

/* specs.md 3.2, one iteration per 64 output bytes. */
static void reference_generate_1r(uint8_t state[64], uint8_t *output, size_t bytes) {
  __m128i s0 = load(state), s1 = load(state + 16), s2 = load(state + 32), s3 = load(state + 48);
  const uint8_t *k = generator_1r_keys;
  for (size_t offset = 0; offset < bytes; offset += 64) {
    s0 = _mm_aesdec_si128(s0, load(k));
    s1 = _mm_aesenc_si128(s1, load(k + 16));
    s2 = _mm_aesdec_si128(s2, load(k + 32));
    s3 = _mm_aesenc_si128(s3, load(k + 48));
    store(output + offset, s0);
    store(output + offset + 16, s1);
    store(output + offset + 32, s2);
    store(output + offset + 48, s3);
  }
  store(state, s0);
  store(state + 16, s1);
  store(state + 32, s2);
  store(state + 48, s3);
}

/* specs.md 3.3. */
static void reference_generate_4r(const uint8_t keys[8][16], uint8_t state[64], uint8_t *output, size_t bytes) {
  __m128i s0 = load(state), s1 = load(state + 16), s2 = load(state + 32), s3 = load(state + 48);
  for (size_t offset = 0; offset < bytes; offset += 64) {
    for (int round = 0; round < 4; round++) {
      s0 = _mm_aesdec_si128(s0, load(keys[round]));
      s1 = _mm_aesenc_si128(s1, load(keys[round]));
      s2 = _mm_aesdec_si128(s2, load(keys[round + 4]));
      s3 = _mm_aesenc_si128(s3, load(keys[round + 4]));
    }
    store(output + offset, s0);
    store(output + offset + 16, s1);
    store(output + offset + 32, s2);
    store(output + offset + 48, s3);
  }
  store(state, s0);
  store(state + 16, s1);
  store(state + 32, s2);
  store(state + 48, s3);
}

/* specs.md 3.4. */
static void reference_hash_1r(const uint8_t *input, size_t bytes, uint8_t hash[64]) {
  __m128i s0 = load(hash_1r_state), s1 = load(hash_1r_state + 16);
  __m128i s2 = load(hash_1r_state + 32), s3 = load(hash_1r_state + 48);
  for (size_t offset = 0; offset < bytes; offset += 64) {
    s0 = _mm_aesenc_si128(s0, load(input + offset));
    s1 = _mm_aesdec_si128(s1, load(input + offset + 16));
    s2 = _mm_aesenc_si128(s2, load(input + offset + 32));
    s3 = _mm_aesdec_si128(s3, load(input + offset + 48));
  }
  for (int round = 0; round < 2; round++) {
    const __m128i extra_key = load(hash_1r_extra_keys + 16 * round);
    s0 = _mm_aesenc_si128(s0, extra_key);
    s1 = _mm_aesdec_si128(s1, extra_key);
    s2 = _mm_aesenc_si128(s2, extra_key);
    s3 = _mm_aesdec_si128(s3, extra_key);
  }
  store(hash, s0);
  store(hash + 16, s1);
  store(hash + 32, s2);
  store(hash + 48, s3);
}

static void check_single_rounds(void) {
  const int pairs = 200000;
  int encrypt_mismatches = 0, decrypt_mismatches = 0;
  for (int i = 0; i < pairs; i++) {
    uint8_t block[16], key[16], ours[16], expected[16];
    fill_random(block, 16);
    fill_random(key, 16);
    if (i == 0) memset(block, 0, 16); /* the S-box's special case, 0 having no inverse */
    memcpy(ours, block, 16);
    rx_aes_encrypt_round(ours, key);
    store(expected, _mm_aesenc_si128(load(block), load(key)));
    encrypt_mismatches += memcmp(ours, expected, 16) != 0;
    memcpy(ours, block, 16);
    rx_aes_decrypt_round(ours, key);
    store(expected, _mm_aesdec_si128(load(block), load(key)));
    decrypt_mismatches += memcmp(ours, expected, 16) != 0;
  }
  char what[160];
  snprintf(what, sizeof what, "rx_aes_encrypt_round equals AESENC on %d random (block, key) pairs", pairs);
  report(encrypt_mismatches == 0, what);
  snprintf(what, sizeof what, "rx_aes_decrypt_round equals AESDEC on %d random (block, key) pairs", pairs);
  report(decrypt_mismatches == 0, what);
}

static void check_constants(void) {
  /* One AesGenerator1R iteration from state s gives round(s, 0) XOR key for each column, exposing the keys. */
  uint8_t state[64], output[64], keys[64];
  fill_random(state, 64);
  memcpy(keys, state, 64);
  rx_aes_generate_1r(keys, output, 64);
  const __m128i zero = _mm_setzero_si128();
  for (int i = 0; i < 4; i++) {
    const __m128i column = load(state + 16 * i);
    const __m128i keyless = i % 2 == 0 ? _mm_aesdec_si128(column, zero) : _mm_aesenc_si128(column, zero);
    store(keys + 16 * i, _mm_xor_si128(load(output + 16 * i), keyless));
  }
  report(memcmp(keys, generator_1r_keys, 64) == 0,
         "AesGenerator1R key0..key3 == Hash512(\"RandomX AesGenerator1R keys\")");

  uint8_t expected[64];
  hash_string(expected, 64, "RandomX AesGenerator4R keys 0-3");
  report(memcmp(rx_params_rx0.aes_generator_4r_keys[0], expected, 64) == 0,
         "rx/0 AesGenerator4R key0..key3 == Hash512(\"RandomX AesGenerator4R keys 0-3\")");
  hash_string(expected, 64, "RandomX AesGenerator4R keys 4-7");
  report(memcmp(rx_params_rx0.aes_generator_4r_keys[4], expected, 64) == 0,
         "rx/0 AesGenerator4R key4..key7 == Hash512(\"RandomX AesGenerator4R keys 4-7\")");

  /* With no input, AesHash1R is just the two extra rounds applied to the initial state. */
  uint8_t ours[64];
  rx_aes_hash_1r(NULL, 0, ours);
  reference_hash_1r(NULL, 0, expected);
  report(memcmp(ours, expected, 64) == 0,
         "AesHash1R initial state == Hash512(\"RandomX AesHash1R state\") and xkey0, xkey1 == "
         "Hash256(\"RandomX AesHash1R xkeys\") (hash of empty input)");
}

/* Output lengths: one iteration, a few, an rx/0 and an rx/wow program buffer, a scratchpad of each variant. */
static const size_t lengths[] = {64, 128, 192, 128 + 8 * 256, 4096, 1024 * 1024, MAX_BYTES};
#define LENGTH_COUNT (sizeof lengths / sizeof lengths[0])

static int guard_intact(const uint8_t *guard) {
  for (int i = 0; i < GUARD_BYTES; i++) {
    if (guard[i] != GUARD_VALUE) return 0;
  }
  return 1;
}

/* Runs one generator (variant `keys`, or AesGenerator1R when NULL) over every length from random states, writing
 * to a deliberately misaligned buffer, and compares output, final state and the bytes past the output. */
static void check_generator(const char *name, const uint8_t (*keys)[16], uint8_t *buffer, uint8_t *expected) {
  int output_ok = 1, state_ok = 1, state_is_last_output = 1, guard_ok = 1;
  uint8_t *output = buffer + 3;
  for (size_t i = 0; i < LENGTH_COUNT; i++) {
    const size_t bytes = lengths[i];
    uint8_t state[64], expected_state[64];
    fill_random(state, 64);
    memcpy(expected_state, state, 64);
    memset(output, GUARD_VALUE, bytes + GUARD_BYTES);
    if (keys) {
      rx_aes_generate_4r(keys, state, output, bytes);
      reference_generate_4r(keys, expected_state, expected, bytes);
    } else {
      rx_aes_generate_1r(state, output, bytes);
      reference_generate_1r(expected_state, expected, bytes);
    }
    output_ok &= memcmp(output, expected, bytes) == 0;
    state_ok &= memcmp(state, expected_state, 64) == 0;
    state_is_last_output &= memcmp(state, output + bytes - 64, 64) == 0;
    guard_ok &= guard_intact(output + bytes);
  }
  char what[160];
  snprintf(what, sizeof what, "%s output matches the AES-NI reference for 64 B to 2 MiB", name);
  report(output_ok, what);
  snprintf(what, sizeof what, "%s leaves the reference's final state in `state`", name);
  report(state_ok, what);
  snprintf(what, sizeof what, "%s final state equals its last 64 output bytes", name);
  report(state_is_last_output, what);
  snprintf(what, sizeof what, "%s writes nothing past `bytes`", name);
  report(guard_ok, what);
}

static void check_hash(uint8_t *input) {
  int random_ok = 1;
  for (size_t i = 0; i < LENGTH_COUNT; i++) {
    uint8_t ours[64], expected[64];
    fill_random(input, lengths[i]);
    rx_aes_hash_1r(input + 5, lengths[i] - 64, ours); /* a misaligned input too */
    reference_hash_1r(input + 5, lengths[i] - 64, expected);
    random_ok &= memcmp(ours, expected, 64) == 0;
    rx_aes_hash_1r(input, lengths[i], ours);
    reference_hash_1r(input, lengths[i], expected);
    random_ok &= memcmp(ours, expected, 64) == 0;
  }
  report(random_ok, "AesHash1R matches the AES-NI reference on random inputs of 0 B to 2 MiB");

  /* The use in a hash: fingerprint of a scratchpad filled by AesGenerator1R. */
  uint8_t state[64], ours[64], expected[64];
  fill_random(state, 64);
  rx_aes_generate_1r(state, input, MAX_BYTES);
  rx_aes_hash_1r(input, MAX_BYTES, ours);
  reference_hash_1r(input, MAX_BYTES, expected);
  report(memcmp(ours, expected, 64) == 0,
         "AesHash1R matches the AES-NI reference on a 2 MiB AesGenerator1R scratchpad");
}

int main(void) {
  uint8_t *buffer = malloc(MAX_BYTES + GUARD_BYTES + 16);
  uint8_t *expected = malloc(MAX_BYTES);
  if (!buffer || !expected) {
    printf("not ok - allocating test buffers\n0 passed, 1 failed\n");
    return 1;
  }
  derive_constants();
  check_single_rounds();
  check_constants();
  check_generator("AesGenerator1R", NULL, buffer, expected);
  check_generator("AesGenerator4R (rx/0 keys)", rx_params_rx0.aes_generator_4r_keys, buffer, expected);
  check_generator("AesGenerator4R (rx/wow keys)", rx_params_wow.aes_generator_4r_keys, buffer, expected);
  check_hash(buffer);
  free(buffer);
  free(expected);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
