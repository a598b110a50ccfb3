/* The Argon2d fill from a ready pre-hashing digest H0 (RFC 9106 3.2 steps 3 to 6). rx_argon2d_fill computes H0
 * from the RandomX inputs; tests build H0 themselves to run Argon2d inputs RandomX never uses (secret data,
 * associated data, a tag length) through the same fill. */
#ifndef RX_ARGON2D_FILL_H
#define RX_ARGON2D_FILL_H

#include <stdint.h>

#define ARGON2D_BLOCK_BYTES 1024
#define ARGON2D_H0_BYTES 64

/* Fills memory_blocks / (4 * lanes) * 4 * lanes blocks of `memory` (16-byte aligned), lane after lane, for
 * `passes` passes; needs memory_blocks >= 8 * lanes. `progress` as in rx_argon2d_fill. */
void rx_argon2d_fill_from_h0(void *memory, const uint8_t h0[ARGON2D_H0_BYTES], uint32_t lanes, uint32_t memory_blocks,
                             uint32_t passes, void (*progress)(uint32_t done, uint32_t total));

#endif
