/* The hashing steps of specs.md chapter 2. */
#include "hash.h"

#include "aes.h"
#include "blake2b.h"

#include <string.h>

#define MAX_PROGRAM_BYTES (128 + 8 * RX_MAX_PROGRAM_SIZE)

void rx_vm_init(rx_vm *vm, const rx_cache *cache, uint8_t *scratchpad) {
  vm->state.params = cache->params;
  vm->state.cache = cache;
  vm->state.scratchpad = scratchpad;
  rx_decoder_init(&vm->decoder, cache->params);
  vm->run_program = rx_interpret_program;
}

void rx_vm_hash(rx_vm *vm, const void *input, size_t input_bytes, uint8_t hash[32]) {
  uint8_t seed[64];
  rx_blake2b(seed, 64, input, input_bytes);
  rx_vm_hash_from_seed(vm, seed, hash);
}

void rx_vm_hash_from_seed(rx_vm *vm, const uint8_t seed[64], uint8_t hash[32]) {
  const rx_params *params = vm->state.params;
  const size_t program_bytes = 128 + 8 * (size_t)params->program_size;
  uint8_t generator_state[64];
  uint8_t program_data[MAX_PROGRAM_BYTES];

  memcpy(generator_state, seed, 64);
  rx_aes_generate_1r(generator_state, vm->state.scratchpad, params->scratchpad_l3_bytes);
  vm->state.rounding = RX_ROUND_NEAREST;
  for (uint32_t chain = 0; chain < params->program_count; chain++) {
    rx_aes_generate_4r(params->aes_generator_4r_keys, generator_state, program_data, program_bytes);
    rx_program_decode(&vm->decoder, program_data, &vm->program);
    vm->run_program(&vm->state, &vm->program);
    if (chain + 1 < params->program_count) {
      rx_blake2b(generator_state, 64, &vm->state.registers, sizeof vm->state.registers);
    }
  }
  /* The scratchpad fingerprint replaces the a registers in the final register file. */
  rx_aes_hash_1r(vm->state.scratchpad, params->scratchpad_l3_bytes, (uint8_t *)vm->state.registers.a);
  rx_blake2b(hash, 32, &vm->state.registers, sizeof vm->state.registers);
}
