/* The Argon2d memory fill that builds the RandomX cache (specs.md 7.1; Argon2 per RFC 9106). */
#ifndef RX_ARGON2D_H
#define RX_ARGON2D_H

#include <stddef.h>
#include <stdint.h>

#include "params.h"

/* Fills `memory` (params->argon_memory_blocks * 1024 bytes, 16-byte aligned) with the Argon2d memory array for
 * `key` (any length). `progress`, when not NULL, is called with (done, total) blocks now and then. */
void rx_argon2d_fill(const rx_params *params, void *memory, const void *key, size_t key_bytes,
                     void (*progress)(uint32_t done, uint32_t total));

#endif
