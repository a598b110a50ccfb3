/* A RandomX hash from start to end (specs.md chapter 2), in light mode. */
#ifndef RX_HASH_H
#define RX_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "vm.h"

/* At most this many VMs hash in lockstep (rx_vms_hash_from_seeds). */
#define RX_MAX_LANES 4

typedef struct rx_vm rx_vm;

/* Runs the decoded program of each of `lanes` VMs on that VM's state, all at once, so that a compiled runner can
 * interleave their dataset items: the interpreter, or the WebAssembly compiler behind wasm_api.c. */
typedef void (*rx_program_runner)(rx_vm *const vms[], uint32_t lanes);

struct rx_vm {
  rx_vm_state state;
  rx_decoder decoder;
  rx_program program;
  rx_program_runner run_program;
};

/* `scratchpad` is params->scratchpad_l3_bytes, 64-byte aligned, owned by the caller; `cache` must stay alive.
 * Programs run on the interpreter until run_program is replaced. */
void rx_vm_init(rx_vm *vm, const rx_cache *cache, uint8_t *scratchpad);
void rx_vm_hash(rx_vm *vm, const void *input, size_t input_bytes, uint8_t hash[32]);
/* The same from S = Hash512(input), for callers that stream the input into BLAKE2b themselves. */
void rx_vm_hash_from_seed(rx_vm *vm, const uint8_t seed[64], uint8_t hash[32]);
/* Hashes `lanes` (1..RX_MAX_LANES) seeds on as many VMs over the same cache, step by step together; the first
 * VM's runner runs each step's programs. */
void rx_vms_hash_from_seeds(rx_vm *const vms[], uint32_t lanes, const uint8_t seeds[][64], uint8_t hashes[][32]);
/* The first program a hash of `input` runs (specs.md chapter 2, steps 2-7), without a cache: `bytes` receives the
 * 128 + 8 * program_size bytes of AesGenerator4R output that program the VM, `program` their decoded form. */
void rx_first_program(const rx_decoder *decoder, const void *input, size_t input_bytes, uint8_t *bytes,
                      rx_program *program);

#endif
