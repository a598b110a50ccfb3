/* SuperscalarHash (specs.md chapter 6), the BlakeGenerator that seeds it (3.5), and reciprocals (5.2.6). */
#ifndef RX_SUPERSCALAR_H
#define RX_SUPERSCALAR_H

#include <stddef.h>
#include <stdint.h>

#include "params.h"

/* BlakeGenerator: a 64-byte state refilled with Hash512 when exhausted. */
typedef struct {
  uint8_t state[64];
  uint32_t position;
} rx_blake_generator;

void rx_blake_generator_init(rx_blake_generator *generator, const void *seed, size_t seed_bytes);
uint8_t rx_blake_generator_byte(rx_blake_generator *generator);
uint32_t rx_blake_generator_u32(rx_blake_generator *generator);

/* Largest-x 2^x / divisor below 2^64, for a divisor that is neither 0 nor a power of two. */
uint64_t rx_reciprocal(uint32_t divisor);

typedef enum {
  RX_SS_ISUB_R, RX_SS_IXOR_R, RX_SS_IADD_RS, RX_SS_IMUL_R, RX_SS_IROR_C, RX_SS_IADD_C, RX_SS_IXOR_C,
  RX_SS_IMULH_R, RX_SS_ISMULH_R, RX_SS_IMUL_RCP,
} rx_ss_opcode;

typedef struct {
  uint8_t opcode; /* rx_ss_opcode */
  uint8_t dst;
  uint8_t src;   /* equals dst for instructions without a register source */
  uint8_t shift; /* IADD_RS: 0-3 */
  uint32_t imm32; /* IROR_C: rotation 1-63; IADD_C, IXOR_C: sign-extended when used; IMUL_RCP: the divisor */
  uint64_t reciprocal; /* IMUL_RCP, precomputed */
} rx_ss_instruction;

#define RX_SS_MAX_LATENCY 170
#define RX_SS_MAX_INSTRUCTIONS (3 * RX_SS_MAX_LATENCY + 2)

typedef struct {
  uint32_t size;
  uint32_t address_register; /* the register with the longest dependency chain */
  rx_ss_instruction code[RX_SS_MAX_INSTRUCTIONS];
} rx_ss_program;

/* Generates the next SuperscalarHash program from `generator` (params->superscalar_latency <= 170). Consecutive
 * calls on one generator give a cache's programs in order (specs.md 7.2). */
void rx_superscalar_generate(const rx_params *params, rx_blake_generator *generator, rx_ss_program *program);
void rx_superscalar_execute(const rx_ss_program *program, uint64_t registers[8]);

#endif
