/* The entry points the TypeScript side calls. Memory belongs to TypeScript: it reserves every region (cache
 * memory, cache and VM structs, scratchpads, buffers) in the shared WebAssembly.Memory and passes addresses. */
#include <stdint.h>

#include "blake2b.h"
#include "dataset.h"
#include "fp_round.h"
#include "hash.h"

/* Imported from JavaScript: cache-init progress in Argon2 blocks. */
__attribute__((import_module("env"), import_name("rx_progress"))) void rx_progress(uint32_t done, uint32_t total);

/* Imported from JavaScript: compiles the program of each of the `lanes` VMs to WebAssembly and runs all their
 * iterations together, leaving each VM's registers and rounding mode in its state. */
__attribute__((import_module("env"), import_name("rx_jit_run_programs"))) void rx_jit_run_programs(
    rx_vm *const *vms, uint32_t lanes);

static const rx_params *const variants[] = {&rx_params_rx0, &rx_params_wow};
#define VARIANT_COUNT (sizeof variants / sizeof variants[0])

/* A VM as TypeScript sees it: up to RX_MAX_LANES lanes that mine consecutive nonces in lockstep. */
typedef struct {
  rx_vm lanes[RX_MAX_LANES];
  uint32_t lane_count;
  rx_blake2b_state input_hash;
  /* The sealed inputs of rx_api_hash_lanes, one per lane. */
  uint8_t seeds[RX_MAX_LANES][64];
} api_vm;

typedef struct {
  uint32_t nonce;
  uint8_t hash[32];
} api_share;

/* NULL past the last variant, so TypeScript can list them without a copy of the table. */
const char *rx_api_variant_name(uint32_t variant) { return variant < VARIANT_COUNT ? variants[variant]->name : 0; }

uint32_t rx_api_cache_memory_bytes(uint32_t variant) { return variants[variant]->argon_memory_blocks * 1024; }
uint32_t rx_api_scratchpad_bytes(uint32_t variant) { return variants[variant]->scratchpad_l3_bytes; }
uint32_t rx_api_cache_struct_bytes(void) { return sizeof(rx_cache); }
uint32_t rx_api_vm_struct_bytes(void) { return sizeof(api_vm); }
uint32_t rx_api_share_bytes(void) { return sizeof(api_share); }

void rx_api_cache_init(rx_cache *cache, uint32_t variant, uint8_t *memory, const uint8_t *key, uint32_t key_bytes) {
  rx_cache_init(cache, variants[variant], memory, key, key_bytes, rx_progress);
}

static void run_compiled(rx_vm *const vms[], uint32_t lanes) { rx_jit_run_programs(vms, lanes); }

/* A VM over `cache` with `lanes` lanes, whose scratchpads follow each other from `scratchpads`; with `compiled`
 * non-zero its programs run as WebAssembly compiled at run time, else on the interpreter (the tests' oracle). */
void rx_api_vm_init(api_vm *vm, const rx_cache *cache, uint8_t *scratchpads, uint32_t lanes, uint32_t compiled) {
  vm->lane_count = lanes;
  for (uint32_t lane = 0; lane < lanes; lane++) {
    rx_vm_init(&vm->lanes[lane], cache, scratchpads + (size_t)lane * cache->params->scratchpad_l3_bytes);
    if (compiled) vm->lanes[lane].run_program = run_compiled;
  }
}

uint32_t rx_api_max_lanes(void) { return RX_MAX_LANES; }
uint32_t rx_api_program_iterations(uint32_t variant) { return variants[variant]->program_iterations; }
uint32_t rx_api_cache_accesses(uint32_t variant) { return variants[variant]->cache_accesses; }
uint32_t rx_api_dataset_base_bytes(uint32_t variant) { return (uint32_t)variants[variant]->dataset_base_bytes; }
/* Items of the full dataset (specs.md 7.1): base and extra bytes, 64 bytes an item. */
uint32_t rx_api_dataset_item_count(uint32_t variant) {
  return (uint32_t)((variants[variant]->dataset_base_bytes + variants[variant]->dataset_extra_bytes) / 64);
}
/* Hashing inputs of any length, up to one per lane: for each, begin, absorb it in pieces and seal it into its
 * lane; then rx_api_hash_lanes hashes the sealed lanes together and writes `count` hashes of 32 bytes. */
void rx_api_hash_begin(api_vm *vm) { rx_blake2b_init(&vm->input_hash, 64); }
void rx_api_hash_absorb(api_vm *vm, const uint8_t *piece, uint32_t piece_bytes) {
  rx_blake2b_update(&vm->input_hash, piece, piece_bytes);
}
void rx_api_hash_seal(api_vm *vm, uint32_t lane) { rx_blake2b_final(&vm->input_hash, vm->seeds[lane]); }
void rx_api_hash_lanes(api_vm *vm, uint32_t count, uint8_t *hashes) {
  rx_vm *vms[RX_MAX_LANES];
  for (uint32_t lane = 0; lane < count; lane++) vms[lane] = &vm->lanes[lane];
  rx_vms_hash_from_seeds(vms, count, (const uint8_t(*)[64])vm->seeds, (uint8_t(*)[32])hashes);
}

static uint64_t share_value(const uint8_t hash[32]) {
  uint64_t value = 0;
  for (int i = 31; i >= 24; i--) value = (value << 8) | hash[i];
  return value;
}

/* The batch nonce loop: hashes `blob` with nonces first_nonce .. first_nonce + count - 1 (uint32 LE at offset
 * 39), as many at a time as the VM has lanes, records hashes whose bytes 24..31 (uint64 LE) are below `target`,
 * and stops early when *stop becomes non-zero or `shares` is full. Returns the number of hashes counted: a hash
 * computed after `shares` filled up is not counted, so the caller mines it again. */
uint32_t rx_api_mine(api_vm *vm, uint8_t *blob, uint32_t blob_bytes, uint32_t first_nonce, uint32_t count,
                     uint64_t target, const int32_t *stop, api_share *shares, uint32_t max_shares,
                     uint32_t *share_count) {
  uint32_t done = 0;
  *share_count = 0;
  while (done < count && *share_count < max_shares && __atomic_load_n(stop, __ATOMIC_RELAXED) == 0) {
    const uint32_t lanes = count - done < vm->lane_count ? count - done : vm->lane_count;
    rx_vm *vms[RX_MAX_LANES];
    uint8_t seeds[RX_MAX_LANES][64];
    uint8_t hashes[RX_MAX_LANES][32];
    for (uint32_t lane = 0; lane < lanes; lane++) {
      const uint32_t nonce = first_nonce + done + lane;
      for (int i = 0; i < 4; i++) blob[39 + i] = (uint8_t)(nonce >> (8 * i));
      rx_blake2b(seeds[lane], 64, blob, blob_bytes);
      vms[lane] = &vm->lanes[lane];
    }
    rx_vms_hash_from_seeds(vms, lanes, seeds, hashes);
    for (uint32_t lane = 0; lane < lanes && *share_count < max_shares; lane++) {
      if (share_value(hashes[lane]) < target) {
        api_share *share = &shares[(*share_count)++];
        share->nonce = first_nonce + done;
        for (int i = 0; i < 32; i++) share->hash[i] = hashes[lane][i];
      }
      done++;
    }
  }
  return done;
}

/* Dataset item `item` computed from the cache (light mode), for inspection. */
void rx_api_dataset_item(const rx_cache *cache, uint32_t item, uint64_t words[8]) {
  rx_dataset_item(cache, item, words);
}

/* For displaying the first program of a hash (packages/wasm/src/program): the sizes of its buffers, the scratchpad
 * levels (1, 2, 3) its memory operands address, and the program itself: the generator output `bytes`, the variant's
 * opcode table (opcode -> rx_instruction, before the no-op forms) and the decoded program the VM runs. */
uint32_t rx_api_program_bytes(uint32_t variant) { return 128 + 8 * variants[variant]->program_size; }
uint32_t rx_api_program_struct_bytes(void) { return sizeof(rx_program); }
uint32_t rx_api_scratchpad_level_bytes(uint32_t variant, uint32_t level) {
  const rx_params *params = variants[variant];
  switch (level) {
    case 1: return params->scratchpad_l1_bytes;
    case 2: return params->scratchpad_l2_bytes;
    default: return params->scratchpad_l3_bytes;
  }
}
void rx_api_first_program(uint32_t variant, const uint8_t *input, uint32_t input_bytes, uint8_t *bytes,
                          uint8_t opcode_types[256], rx_program *program) {
  rx_decoder decoder;
  rx_decoder_init(&decoder, variants[variant]);
  for (int opcode = 0; opcode < 256; opcode++) opcode_types[opcode] = decoder.opcode_types[opcode];
  rx_first_program(&decoder, input, input_bytes, bytes, program);
}

/* For the rounding tests: one VM float operation (0 add, 1 sub, 2 mul, 3 div, 4 sqrt) in one mode. */
double rx_api_fp(uint32_t operation, uint32_t mode, double a, double b) {
  switch (operation) {
    case 0: return rx_fp_add(a, b, (rx_rounding)mode);
    case 1: return rx_fp_sub(a, b, (rx_rounding)mode);
    case 2: return rx_fp_mul(a, b, (rx_rounding)mode);
    case 3: return rx_fp_div(a, b, (rx_rounding)mode);
    default: return rx_fp_sqrt(a, (rx_rounding)mode);
  }
}

int rx_api_blake2b(uint8_t *digest, uint32_t digest_bytes, const uint8_t *input, uint32_t input_bytes) {
  return rx_blake2b(digest, digest_bytes, input, input_bytes);
}

/* The layout packages/wasm/src/jit/layout.ts reads. */
#include <stddef.h>
_Static_assert(offsetof(rx_cache, programs) == 8, "layout.ts CACHE");
_Static_assert(offsetof(rx_ss_program, address_register) == 4 && offsetof(rx_ss_program, code) == 8 &&
                   sizeof(rx_ss_program) == 8200,
               "layout.ts SUPERSCALAR_PROGRAM");
_Static_assert(offsetof(rx_ss_instruction, imm32) == 4 && offsetof(rx_ss_instruction, reciprocal) == 8 &&
                   sizeof(rx_ss_instruction) == 16,
               "layout.ts SUPERSCALAR_INSTRUCTION");
_Static_assert(offsetof(rx_program, ma) == 64 && offsetof(rx_program, mx) == 68 &&
                   offsetof(rx_program, read_registers) == 72 && offsetof(rx_program, dataset_offset) == 80 &&
                   offsetof(rx_program, e_mask) == 88 && offsetof(rx_program, size) == 104 &&
                   offsetof(rx_program, code) == 112,
               "layout.ts PROGRAM");
_Static_assert(offsetof(rx_decoded_instruction, src_is_imm) == 4 && offsetof(rx_decoded_instruction, mask) == 8 &&
                   offsetof(rx_decoded_instruction, imm) == 16 &&
                   offsetof(rx_decoded_instruction, condition_mask) == 24 &&
                   offsetof(rx_decoded_instruction, target) == 32 && sizeof(rx_decoded_instruction) == 40,
               "layout.ts INSTRUCTION");
_Static_assert(offsetof(rx_vm, state) == 0 && offsetof(rx_vm_state, scratchpad) == 8 &&
                   offsetof(rx_vm_state, registers) == 16 && offsetof(rx_vm_state, rounding) == 272 &&
                   offsetof(rx_vm, program) == 544,
               "layout.ts LANE");
_Static_assert(offsetof(rx_register_file, f) == 64 && offsetof(rx_register_file, e) == 128 &&
                   offsetof(rx_register_file, a) == 192,
               "layout.ts REGISTER_FILE");
