/* The hashing steps of specs.md chapter 2. */
#include "hash.h"

#include "aes.h"
#include "blake2b.h"

#include <string.h>

#define MAX_PROGRAM_BYTES (128 + 8 * RX_MAX_PROGRAM_SIZE)

static void interpret(rx_vm *const vms[], uint32_t lanes) {
  for (uint32_t lane = 0; lane < lanes; lane++) rx_interpret_program(&vms[lane]->state, &vms[lane]->program);
}

void rx_vm_init(rx_vm *vm, const rx_cache *cache, uint8_t *scratchpad) {
  vm->state.params = cache->params;
  vm->state.cache = cache;
  vm->state.scratchpad = scratchpad;
  rx_decoder_init(&vm->decoder, cache->params);
  vm->run_program = interpret;
}

void rx_vm_hash(rx_vm *vm, const void *input, size_t input_bytes, uint8_t hash[32]) {
  uint8_t seed[64];
  rx_blake2b(seed, 64, input, input_bytes);
  rx_vm_hash_from_seed(vm, seed, hash);
}

void rx_vm_hash_from_seed(rx_vm *vm, const uint8_t seed[64], uint8_t hash[32]) {
  rx_vms_hash_from_seeds(&vm, 1, (const uint8_t(*)[64])seed, (uint8_t(*)[32])hash);
}

void rx_vms_hash_from_seeds(rx_vm *const vms[], uint32_t lanes, const uint8_t seeds[][64], uint8_t hashes[][32]) {
  const rx_params *params = vms[0]->state.params;
  const size_t program_bytes = 128 + 8 * (size_t)params->program_size;
  uint8_t generator_states[RX_MAX_LANES][64];
  uint8_t program_data[MAX_PROGRAM_BYTES];

  for (uint32_t lane = 0; lane < lanes; lane++) {
    memcpy(generator_states[lane], seeds[lane], 64);
    rx_aes_generate_1r(generator_states[lane], vms[lane]->state.scratchpad, params->scratchpad_l3_bytes);
    vms[lane]->state.rounding = RX_ROUND_NEAREST;
  }
  for (uint32_t chain = 0; chain < params->program_count; chain++) {
    for (uint32_t lane = 0; lane < lanes; lane++) {
      rx_aes_generate_4r(params->aes_generator_4r_keys, generator_states[lane], program_data, program_bytes);
      rx_program_decode(&vms[lane]->decoder, program_data, &vms[lane]->program);
    }
    vms[0]->run_program(vms, lanes);
    if (chain + 1 < params->program_count) {
      for (uint32_t lane = 0; lane < lanes; lane++) {
        rx_blake2b(generator_states[lane], 64, &vms[lane]->state.registers, sizeof vms[lane]->state.registers);
      }
    }
  }
  for (uint32_t lane = 0; lane < lanes; lane++) {
    /* The scratchpad fingerprint replaces the a registers in the final register file. */
    rx_vm_state *state = &vms[lane]->state;
    rx_aes_hash_1r(state->scratchpad, params->scratchpad_l3_bytes, (uint8_t *)state->registers.a);
    rx_blake2b(hashes[lane], 32, &state->registers, sizeof state->registers);
  }
}
