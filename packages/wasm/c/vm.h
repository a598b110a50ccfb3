/* The RandomX virtual machine (specs.md chapters 4 and 5): programming it from generator output, and running it
 * with the interpreter. The decoded program is also the input of the WebAssembly program compiler. */
#ifndef RX_VM_H
#define RX_VM_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "fp_round.h"
#include "params.h"

#define RX_MAX_PROGRAM_SIZE 512

typedef struct {
  double lo;
  double hi;
} rx_double_pair;

/* The register file in the byte order that Hash512 and Hash256 read (specs.md chapter 2). */
typedef struct {
  uint64_t r[8];
  rx_double_pair f[4];
  rx_double_pair e[4];
  rx_double_pair a[4];
} rx_register_file;

/* One instruction with its operands resolved (register indices reduced, masks and constants precomputed). */
typedef struct {
  uint8_t type;      /* rx_instruction, or RX_NOP_INSTRUCTION for the no-op forms */
  uint8_t dst;
  uint8_t src;
  uint8_t shift;     /* IADD_RS: left shift of src; CBRANCH: lowest condition bit */
  uint8_t src_is_imm; /* integer forms whose src == dst use imm (or an L3 address from imm alone) */
  uint32_t mask;     /* scratchpad address mask of a memory operand or store */
  uint64_t imm;      /* sign-extended imm32; IMUL_RCP: reciprocal; CBRANCH: cimm; rotations: count */
  uint64_t condition_mask; /* CBRANCH */
  int32_t target;    /* CBRANCH: index of the instruction to continue at when the jump is taken */
} rx_decoded_instruction;

#define RX_NOP_INSTRUCTION RX_INSTRUCTION_COUNT

/* Everything the 128 configuration bytes and the program bytes determine (specs.md 4.5). */
typedef struct {
  rx_double_pair a[4];
  uint32_t ma;
  uint32_t mx;
  uint8_t read_registers[4];
  uint64_t dataset_offset;
  uint64_t e_mask[2];
  uint32_t size;
  rx_decoded_instruction code[RX_MAX_PROGRAM_SIZE];
} rx_program;

typedef struct {
  const rx_params *params;
  uint8_t opcode_types[256]; /* opcode -> rx_instruction, from the variant's frequencies */
} rx_decoder;

void rx_decoder_init(rx_decoder *decoder, const rx_params *params);
/* Decodes 128 + 8 * params->program_size bytes of AesGenerator4R output. */
void rx_program_decode(const rx_decoder *decoder, const uint8_t *bytes, rx_program *program);

/* Converts a scratchpad word to a group F pair (4.3.1) or, with the program's masks, a group E pair (4.3.2). */
rx_double_pair rx_convert_f(uint64_t word);
rx_double_pair rx_convert_e(uint64_t word, const uint64_t e_mask[2]);

typedef struct {
  const rx_params *params;
  const rx_cache *cache;
  uint8_t *scratchpad; /* params->scratchpad_l3_bytes, 64-byte aligned, caller-owned */
  rx_register_file registers;
  rx_rounding rounding;
} rx_vm_state;

/* Runs one program for params->program_iterations iterations in light mode (dataset items from the cache). */
void rx_interpret_program(rx_vm_state *vm, const rx_program *program);

#endif
