/* BlakeGenerator (specs.md 3.5): random bytes and 32-bit words read from a 64-byte Blake2b state. */
#include "superscalar.h"

#include <string.h>

#include "blake2b.h"

/* The seed fills at most the first 60 bytes; the last 4 hold a 32-bit nonce, which RandomX always leaves 0.
 * Longer seeds (the spec allows at most 60 bytes) are truncated, as the reference implementation does. */
#define MAX_SEED_BYTES 60

static void rehash(rx_blake_generator *generator) {
  rx_blake2b(generator->state, sizeof generator->state, generator->state, sizeof generator->state);
  generator->position = 0;
}

/* Unused bytes that are too few for a request are skipped, not combined with the next state. */
static void reserve(rx_blake_generator *generator, uint32_t bytes) {
  if (generator->position + bytes > sizeof generator->state) rehash(generator);
}

void rx_blake_generator_init(rx_blake_generator *generator, const void *seed, size_t seed_bytes) {
  memset(generator->state, 0, sizeof generator->state);
  memcpy(generator->state, seed, seed_bytes < MAX_SEED_BYTES ? seed_bytes : MAX_SEED_BYTES);
  rehash(generator);
}

uint8_t rx_blake_generator_byte(rx_blake_generator *generator) {
  reserve(generator, 1);
  return generator->state[generator->position++];
}

uint32_t rx_blake_generator_u32(rx_blake_generator *generator) {
  reserve(generator, 4);
  const uint8_t *bytes = generator->state + generator->position;
  generator->position += 4;
  return (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24;
}
