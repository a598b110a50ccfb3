/* BLAKE2b (RFC 7693), unkeyed, digest lengths 1..64 bytes. RandomX uses it for seeding, Argon2 and the
 * final hash. */
#ifndef RX_BLAKE2B_H
#define RX_BLAKE2B_H

#include <stddef.h>
#include <stdint.h>

#define RX_BLAKE2B_BLOCK_BYTES 128
#define RX_BLAKE2B_MAX_DIGEST_BYTES 64

typedef struct {
  uint64_t chain[8];
  uint64_t counter[2];
  uint8_t buffer[RX_BLAKE2B_BLOCK_BYTES];
  size_t buffered;
  size_t digest_bytes;
} rx_blake2b_state;

/* Returns 0 on success, -1 when digest_bytes is outside 1..64. */
int rx_blake2b_init(rx_blake2b_state *state, size_t digest_bytes);
void rx_blake2b_update(rx_blake2b_state *state, const void *data, size_t length);
void rx_blake2b_final(rx_blake2b_state *state, void *digest);

/* One-shot hash; returns -1 when digest_bytes is outside 1..64. */
int rx_blake2b(void *digest, size_t digest_bytes, const void *data, size_t length);

#endif
