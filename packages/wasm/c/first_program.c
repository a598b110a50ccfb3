/* The first program of a hash, for display (the classroom view): generated and decoded by the functions
 * rx_vms_hash_from_seeds uses. It depends on the input alone, so it needs no cache. */
#include "aes.h"
#include "blake2b.h"
#include "hash.h"

/* AesGenerator1R fills the scratchpad before the first program; only its final state matters here, so its output
 * goes through this much memory at a time instead of a whole scratchpad. */
#define SCRATCHPAD_PIECE_BYTES 4096

void rx_first_program(const rx_decoder *decoder, const void *input, size_t input_bytes, uint8_t *bytes,
                      rx_program *program) {
  const rx_params *params = decoder->params;
  uint8_t state[64];
  uint8_t scratchpad_piece[SCRATCHPAD_PIECE_BYTES];
  rx_blake2b(state, 64, input, input_bytes);
  for (size_t filled = 0; filled < params->scratchpad_l3_bytes; filled += SCRATCHPAD_PIECE_BYTES) {
    const size_t left = params->scratchpad_l3_bytes - filled;
    rx_aes_generate_1r(state, scratchpad_piece, left < SCRATCHPAD_PIECE_BYTES ? left : SCRATCHPAD_PIECE_BYTES);
  }
  rx_aes_generate_4r(params->aes_generator_4r_keys, state, bytes, 128 + 8 * (size_t)params->program_size);
  rx_program_decode(decoder, bytes, program);
}
